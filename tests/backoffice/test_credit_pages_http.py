"""Trade-ins and store credit in the back office: the inspection queue's steps, the slip with the code once,
a code's balance and ledger, adjustments that act once."""

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
from tests.backoffice.conftest import PASSWORD, client_of
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
BAG = {"category": "tote", "size_class": "standard", "material": "calfskin", "condition": "B", "own_brand": True}
CODE = re.compile(r'class="slip__code"[^>]*>([^<]+)<')  # the code as the slip prints it, in groups


@pytest_asyncio.fixture
async def http(office_app: Litestar) -> AsyncIterator[Client]:
    async with client_of(office_app) as c:
        yield c


class Staff:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, handle: str, role: str = "owner", event_id: uuid.UUID | None = None) -> Staff:
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        await create_staff(
            handle, email=email, name="Sam", role=role, password=PASSWORD, now=utcnow(), event_id=event_id
        )  # type: ignore[arg-type]
        form = await self.client.get("/admin/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        await self.client.post(
            "/admin/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        home = await self.client.get("/admin/", follow_redirects=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert found, home.text
        self.csrf = found.group(1)
        return self

    async def post(self, path: str, **fields: Any) -> httpx.Response:
        return await self.client.post(path, data={"csrf_token": self.csrf, **fields})


async def trade_in(client: Client, secret_key: str) -> str:
    made = await client.post(
        "/v1/trade-ins", json=BAG, headers=auth(secret_key, **{"Idempotency-Key": str(uuid.uuid4())})
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_bag_from_arrival_to_credit_and_the_credit_from_look_up_to_adjustment(
    http: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    staff = await Staff(http).sign_in(brand.brand.handle)
    tid = await trade_in(http, brand.secret_key)
    queue = await http.get("/admin/trade-ins?status=quoted")
    assert queue.status_code == 200 and f"/admin/trade-ins/{tid}" in queue.text
    path = f"/admin/trade-ins/{tid}"
    assert (await staff.post(f"{path}/receive")).status_code == 303
    assert (await staff.post(f"{path}/inspect", condition="Z")).status_code == 422
    assert (await staff.post(f"{path}/inspect", condition="C", notes="scuffed corners")).status_code == 303
    page = await http.get(path)
    assert (
        "visible wear" in page.text and "scuffed corners" in page.text and 'data-testid="status">inspected' in page.text
    )
    slip = await staff.post(f"{path}/accept")
    assert slip.status_code == 201 and slip.headers["cache-control"] == "no-store"
    [printed_code] = CODE.findall(slip.text)
    code = printed_code.replace(" ", "-")
    assert "<svg" in slip.text  # its QR code
    again = await staff.post(f"{path}/accept")
    assert again.status_code == 303
    assert printed_code.split()[-1] not in (await http.get(path)).text  # the code is shown once

    looked = await staff.post("/admin/credits/look-up", code=code.lower())
    assert looked.status_code == 200, re.findall(r'role="alert">[^<]*', looked.text)
    balance = re.search(r'data-testid="balance">([^<]+)<', looked.text)
    assert balance and balance.group(1).startswith("£")
    key = uuid.uuid4().hex
    for _ in range(2):  # sent twice, adjusts once
        adjusted = await staff.post(
            "/admin/credits/adjust", code=code, amount="-500", reason="goodwill taken back", form_key=key
        )
        assert adjusted.status_code == 200, re.findall(r"<li>.*?</li>|role=\"alert\">[^<]*", adjusted.text)
    entries = re.findall(r"<td>adjust</td>", adjusted.text)
    assert len(entries) == 1
    assert (
        await staff.post("/admin/credits/adjust", code=code, amount="five", reason="x", form_key=uuid.uuid4().hex)
    ).status_code == 422
    typo = await staff.post("/admin/credits/look-up", code=code[:-1] + ("X" if code[-1] != "X" else "Y"))
    assert typo.status_code == 422 and "Traceback" not in typo.text
    reprinted = await staff.post("/admin/credits/slip", code=code)
    assert reprinted.status_code == 200 and printed_code in reprinted.text


async def test_a_rejected_bag_goes_back_and_the_pages_refuse_in_words(
    http: Client, office_app: Litestar, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    staff = await Staff(http).sign_in(brand.brand.handle)
    tid = await trade_in(http, brand.secret_key)
    path = f"/admin/trade-ins/{tid}"
    await staff.post(f"{path}/receive")
    await staff.post(f"{path}/inspect", condition="D")
    assert (await staff.post(f"{path}/reject", reason="")).status_code == 422
    assert (await staff.post(f"{path}/reject", reason="the lining is torn")).status_code == 303
    assert (await staff.post(f"{path}/return")).status_code == 303
    assert 'data-testid="status">returned' in (await http.get(path)).text
    assert (await staff.post(f"{path}/accept")).status_code == 409  # a returned bag earns nothing
    assert (await staff.post(f"{path}/polish")).status_code == 422
    assert (await http.post(f"{path}/receive", data={})).status_code == 403  # no CSRF token
    assert (await http.get("/admin/trade-ins?status=lost")).status_code == 422

    other = await make_brand()
    async with client_of(office_app) as c:
        stranger = await Staff(c).sign_in(other.brand.handle)
        assert (await c.get(path)).status_code == 404
        assert (await stranger.post(f"{path}/receive")).status_code == 404
    async with client_of(office_app) as c:
        event = await c.post(
            "/v1/events",
            json={"handle": f"m-{uuid.uuid4().hex[:6]}", "name": "M", "venue": "V", "timezone": "Europe/London",
                  "starts_at": "2026-12-12T10:00:00Z", "ends_at": "2026-12-12T18:00:00Z"},
            headers=auth(brand.secret_key, **{"Idempotency-Key": str(uuid.uuid4())}),
        )  # fmt: skip
        stall = await Staff(c).sign_in(brand.brand.handle, "stall", uuid.UUID(event.json()["id"]))
        assert (await c.get("/admin/trade-ins")).status_code == 403
        assert (await stall.post("/admin/credits/look-up", code="X")).status_code == 403
