"""The back office's event pages over HTTP: a shop's staff run a pop-up from the browser, once per form.

Every write is a form with the session's CSRF token and its own key: sent twice, it acts once. A
stall account sees its one event; another brand's staff, none (404, as if it did not exist).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from litestar import Litestar

from storefront.backoffice import create_staff
from storefront.clock import utcnow
from storefront.events import Event, EventDevice, pack
from tests.backoffice.conftest import PASSWORD, client_of
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand

Client = httpx.AsyncClient


@pytest_asyncio.fixture
async def http(office_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(office_app) as c:
        yield c


class Browser:
    """A signed-in person's browser: it keeps the session cookie and reads each page's tokens."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, email: str) -> Browser:
        form = await self.client.get("/admin/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        done = await self.client.post(
            "/admin/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert done.status_code == 303, done.text
        return self

    async def get(self, path: str) -> httpx.Response:
        answer = await self.client.get(path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    async def post(
        self, path: str, fields: dict[str, str], *, key: str | None = None, csrf: bool = True
    ) -> httpx.Response:
        data = {**fields, "form_key": key or uuid.uuid4().hex}
        if csrf:
            data["csrf_token"] = self.csrf
        return await self.client.post(path, data=data)


async def staff_of(shop: Shop, role: str = "owner", event_id: uuid.UUID | None = None) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    await create_staff(
        shop.brand.brand.handle, email=email, name=role.title(), role=role, password=PASSWORD, now=utcnow(),  # type: ignore[arg-type]
        event_id=event_id,
    )  # fmt: skip
    return email


EVENT = {
    "name": "Columbia Road Christmas market",
    "venue": "Columbia Road, London E2",
    "timezone": "Europe/London",
    "starts_at": "2026-12-12T10:00",
    "ends_at": "2026-12-13T17:00",
    "pickup_prep_minutes": "60",
}


async def new_event(owner: Browser, **fields: Any) -> tuple[httpx.Response, str]:
    await owner.get("/admin/events")
    handle = f"xmas-{uuid.uuid4().hex[:6]}"
    made = await owner.post("/admin/events", {**EVENT, "handle": handle, **fields})
    return made, handle


async def test_an_owner_runs_a_pop_up_from_the_browser(http: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(http, make_brand)
    owner = await Browser(http).sign_in(await staff_of(shop))
    made, handle = await new_event(owner)
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    event = await Event.get(handle=handle)
    assert path == f"/admin/events/{event.id}"
    assert event.starts_at.isoformat() == "2026-12-12T10:00:00+00:00"  # London's wall clock in December is UTC

    page = await owner.get(path)
    assert page.status_code == 200 and "Columbia Road Christmas market" in page.text
    key = uuid.uuid4().hex
    line = {"sku": shop.sku, "from_location": "market-street", "quantity": "2"}
    for _ in range(2):  # a double click
        moved = await owner.post(f"{path}/allocations", line, key=key)
        assert moved.status_code == 303, moved.text
    page = await owner.get(path)
    assert re.search(rf"<td>{shop.sku}</td><td class=\"num\">2</td>", page.text), page.text

    registered = await owner.post(f"{path}/devices", {"name": "till 1"})
    assert registered.status_code == 201
    token = re.search(r'data-testid="device-token">([^<]+)<', registered.text)
    pack_key = re.search(r'data-testid="pack-key">([^<]+)<', registered.text)
    assert token and pack_key and token.group(1).startswith("sk_dev_")
    device = await EventDevice.get(event_id=event.id)
    assert device.token_hash != token.group(1)
    file = await owner.get(f"{path}/devices/{device.id}/pack")
    assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]
    signed = pack.verify(file.content, pack_key.group(1), utcnow(), device_id=device.id)
    assert [(line.sku, line.quantity) for line in signed.allocation] == [(shop.sku, 2)]

    panel = await owner.get(f"{path}/sync")
    assert panel.status_code == 200 and "till 1" in panel.text and "nothing yet" in panel.text
    report = await owner.get(f"{path}/report")
    assert report.status_code == 200 and "Sales by hour" in report.text
    await owner.get(path)
    assert (await owner.post(f"{path}/devices/{device.id}/revoke", {})).status_code == 303
    assert (await EventDevice.get(id=device.id)).revoked_at is not None
    await owner.get(path)
    assert (await owner.post(f"{path}/close", {})).status_code == 303
    assert (await Event.get(id=event.id)).status == "closed"


async def test_a_form_sent_twice_makes_one_event_and_bad_input_is_refused_in_words(
    http: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(http, make_brand)
    owner = await Browser(http).sign_in(await staff_of(shop))
    await owner.get("/admin/events")
    key, handle = uuid.uuid4().hex, f"once-{uuid.uuid4().hex[:6]}"
    first = await owner.post("/admin/events", {**EVENT, "handle": handle}, key=key)
    again = await owner.post("/admin/events", {**EVENT, "handle": handle}, key=key)
    assert (first.status_code, again.status_code) == (303, 303)
    assert await Event.filter(handle=handle).count() == 1
    cases = [
        ({"starts_at": "next saturday"}, "a date and time"),
        ({"timezone": "Mars/Olympus"}, "unknown IANA timezone"),
        ({"pickup_prep_minutes": "soon"}, "a whole number"),
        ({"handle": "Not A Handle"}, "handle"),
        ({"ends_at": "2026-12-11T10:00"}, "must be after starts_at"),
    ]
    for fields, words in cases:
        refused, _ = await new_event(owner, **fields)
        assert refused.status_code == 422, (fields, refused.text)
        assert words in refused.text and "Traceback" not in refused.text
    event = await Event.get(handle=handle)
    path = f"/admin/events/{event.id}"
    await owner.get(path)
    short = await owner.post(
        f"{path}/allocations", {"sku": shop.sku, "from_location": "market-street", "quantity": "999"}
    )
    assert short.status_code == 409 and shop.sku in short.text
    nothing = await owner.post(
        f"{path}/allocations", {"sku": "NO-SUCH", "from_location": "market-street", "quantity": "1"}
    )
    assert nothing.status_code == 404


async def test_csrf_roles_and_other_brands(http: Client, office_app: Litestar, make_brand: MakeBrand) -> None:
    shop = await open_shop(http, make_brand)
    owner = await Browser(http).sign_in(await staff_of(shop))
    _, handle = await new_event(owner)
    other, _ = await new_event(owner)
    event, second = await Event.get(handle=handle), await Event.get(id=other.headers["location"].rsplit("/", 1)[1])
    path = f"/admin/events/{event.id}"
    await owner.get(path)
    forged = await owner.post(f"{path}/close", {}, csrf=False)
    assert forged.status_code == 403 and (await Event.get(id=event.id)).status == "open"

    def browser() -> Client:
        return client_of(office_app)

    async with browser() as anonymous:
        assert (await anonymous.get(path)).headers["location"] == "/admin/sign-in"
        assert (await anonymous.post(f"{path}/close", data={})).status_code == 401

    stranger_shop = await open_shop(http, make_brand)
    async with browser() as c:
        stranger = await Browser(c).sign_in(await staff_of(stranger_shop))
        assert (await stranger.get(path)).status_code == 404
        await stranger.get("/admin/events")
        assert (await stranger.post(f"{path}/close", {})).status_code == 404
        assert (await stranger.get(f"{path}/report")).status_code == 404
    assert (await Event.get(id=event.id)).status == "open"

    async with browser() as c:
        stall = await Browser(c).sign_in(await staff_of(shop, "stall", event.id))
        listing = await stall.get("/admin/events")
        assert listing.headers["location"] == path  # straight to its own event
        assert (await stall.get(path)).status_code == 200
        assert (await stall.get(f"/admin/events/{second.id}")).status_code == 404
        await stall.get(path)
        refused = await stall.post(
            f"{path}/allocations", {"sku": shop.sku, "from_location": "market-street", "quantity": "1"}
        )
        assert refused.status_code == 403 and "ask the shop" in refused.text
        assert (await stall.post(f"{path}/devices", {"name": "stall tablet"})).status_code == 201
        assert (await stall.post(f"/admin/events/{second.id}/devices", {"name": "x"})).status_code == 404
        assert (await stall.post(f"{path}/close", {})).status_code == 403
