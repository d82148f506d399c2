"""Event prices over HTTP: the whole list replaced, each change stamped later than the one before, and every refusal."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from storefront.catalog import PriceIn
from storefront.events import offer
from storefront.events.models import Event
from storefront.events.offer import rules
from storefront.events.schemas import PriceLineIn, PricesIn
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import new_event, sk
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient


def gbp(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "GBP"}


async def put_prices(
    client: Client, shop: Shop, event_id: str, lines: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.put(f"/v1/events/{event_id}/prices", json={"lines": lines}, headers=headers or sk(shop))


def listed(response: httpx.Response) -> dict[str, tuple[int, int]]:
    assert response.status_code == 200, response.text
    return {line["sku"]: (line["price"]["amount"], line["list_price"]["amount"]) for line in response.json()["lines"]}


async def test_prices_are_set_listed_and_replaced_as_a_whole(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    path = f"/v1/events/{event['id']}/prices"
    assert listed(await client.get(path, headers=auth(shop.brand.secret_key))) == {}
    first = await put_prices(client, shop, event["id"], [{"sku": shop.sku, "price": gbp(9_900)}])
    assert listed(first) == {shop.sku: (9_900, 12_500)}
    both = [{"sku": shop.sku, "price": gbp(9_900)}, {"sku": shop.other_sku, "price": gbp(11_000)}]
    assert listed(await put_prices(client, shop, event["id"], both)) == {
        shop.sku: (9_900, 12_500),
        shop.other_sku: (11_000, 13_500),
    }
    only_other = await put_prices(client, shop, event["id"], [{"sku": shop.other_sku, "price": gbp(11_000)}])
    assert listed(only_other) == {shop.other_sku: (11_000, 13_500)}  # left out: back to the online price
    assert listed(await client.get(path, headers=auth(shop.brand.secret_key))) == {shop.other_sku: (11_000, 13_500)}
    assert listed(await put_prices(client, shop, event["id"], [])) == {}


async def test_only_a_change_is_stamped_and_every_stamp_is_later(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    event_id = uuid.UUID(event["id"])
    both = [{"sku": shop.sku, "price": gbp(9_900)}, {"sku": shop.other_sku, "price": gbp(11_000)}]
    stamps = {
        line["sku"]: line["updated_at"] for line in (await put_prices(client, shop, event["id"], both)).json()["lines"]
    }
    assert stamps[shop.sku] == stamps[shop.other_sku]
    before = datetime.fromisoformat(stamps[shop.sku])
    changed = [{"sku": shop.sku, "price": gbp(9_500)}, {"sku": shop.other_sku, "price": gbp(11_000)}]
    again = {
        line["sku"]: line["updated_at"]
        for line in (await put_prices(client, shop, event["id"], changed)).json()["lines"]
    }
    assert again[shop.other_sku] == stamps[shop.other_sku]  # unchanged: its stamp stays
    assert datetime.fromisoformat(again[shop.sku]) > before
    await put_prices(client, shop, event["id"], [{"sku": shop.sku, "price": gbp(9_500)}])  # other_sku cleared
    changes = await offer.changes_since(event_id, before)
    assert [(c.sku, c.price) for c in changes] == [(shop.sku, 9_500), (shop.other_sku, None)]
    assert changes[0].updated_at < changes[1].updated_at
    everything = await offer.changes_since(event_id, before - timedelta(days=1))
    assert {c.sku for c in everything} == {shop.sku, shop.other_sku}


async def test_a_replayed_put_answers_the_same(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    lines = [{"sku": shop.sku, "price": gbp(9_900)}]
    first = await put_prices(client, shop, event["id"], lines, sk(shop, "prices-1"))
    again = await put_prices(client, shop, event["id"], lines, sk(shop, "prices-1"))
    assert again.status_code == 200 and again.json() == first.json()
    other = await put_prices(client, shop, event["id"], [{"sku": shop.sku, "price": gbp(1)}], sk(shop, "prices-1"))
    assert other.status_code == 409


async def test_unknown_or_repeated_skus_are_422_naming_each(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    lines = [
        {"sku": shop.sku, "price": gbp(9_900)},
        {"sku": "NO-SUCH-BAG", "price": gbp(100)},
        {"sku": shop.sku, "price": gbp(9_000)},
    ]
    response = await put_prices(client, shop, event["id"], lines)
    assert_problem(response, 422, "invalid_input")
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "NO-SUCH-BAG" in errors["body.lines[1].sku"]
    assert shop.sku in errors["body.lines[2].sku"] and "twice" in errors["body.lines[2].sku"]
    assert listed(await client.get(f"/v1/events/{event['id']}/prices", headers=auth(shop.brand.secret_key))) == {}


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ({"amount": 12.5, "currency": "GBP"}, "amount"),
        ({"amount": "1250", "currency": "GBP"}, "amount"),
        ({"amount": -1, "currency": "GBP"}, "amount"),
        ({"amount": 10**20, "currency": "GBP"}, "amount"),
        ({"amount": 2**70, "currency": "GBP"}, "amount"),
        ({"amount": 100, "currency": "gbp"}, "currency"),
        ({"amount": 100, "currency": "GBP\n"}, "currency"),
        ({"amount": 100}, "currency"),
        ({"amount": 100, "currency": "GBP", "vat": 20}, "vat"),
        (1250, "price"),
        (None, "price"),
    ],
    ids=[
        "float",
        "text",
        "negative",
        "huge",
        "beyond-int64",
        "lower-case",
        "newline",
        "no-currency",
        "unknown",
        "bare",
        "null",
    ],
)
async def test_bad_money_is_4xx_never_a_500(client: Client, make_brand: MakeBrand, price: Any, field: str) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await put_prices(client, shop, event["id"], [{"sku": shop.sku, "price": price}])
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


async def test_another_currency_is_422_on_its_line(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await put_prices(
        client, shop, event["id"], [{"sku": shop.sku, "price": {"amount": 100, "currency": "EUR"}}]
    )
    assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in response.json()["errors"]] == ["body.lines[0].price.currency"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": "all"},
        {"lines": [{"sku": "X"}]},
        {"lines": [], "mode": "merge"},
        {"lines": [{"sku": "a\x00", "price": gbp(1)}]},
    ],
    ids=["empty", "not-a-list", "no-price", "unknown-field", "control-character"],
)
async def test_malformed_bodies_are_4xx(client: Client, make_brand: MakeBrand, body: dict[str, Any]) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await client.put(f"/v1/events/{event['id']}/prices", json=body, headers=sk(shop))
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_too_many_lines_are_422(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    lines = [{"sku": f"SKU-{n}", "price": gbp(1)} for n in range(501)]
    response = await put_prices(client, shop, event["id"], lines)
    assert response.status_code == 422, response.text
    assert "500" in response.text


async def test_racing_puts_leave_one_of_them_whole(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    bodies = [
        [{"sku": shop.sku, "price": gbp(9_000 + n)}, {"sku": shop.other_sku, "price": gbp(10_000 + n)}]
        for n in range(6)
    ]
    answers = await asyncio.gather(*(put_prices(client, shop, event["id"], lines) for lines in bodies))
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    read = await client.get(f"/v1/events/{event['id']}/prices", headers=auth(shop.brand.secret_key))
    final = listed(read)
    n = final[shop.sku][0] - 9_000
    assert final == {shop.sku: (9_000 + n, 12_500), shop.other_sku: (10_000 + n, 13_500)}  # one PUT's list, whole
    assert len({line["updated_at"] for line in read.json()["lines"]}) == 1  # changed together, stamped together


async def test_who_may_read_and_change_prices(client: Client, make_brand: MakeBrand) -> None:
    shop, other = await open_shop(client, make_brand), await open_shop(client, make_brand)
    event = await new_event(client, shop)
    path = f"/v1/events/{event['id']}/prices"
    lines = [{"sku": shop.sku, "price": gbp(9_900)}]
    pk = auth(shop.brand.publishable_key, **{"Idempotency-Key": str(uuid.uuid4())})
    assert_problem(await client.put(path, json={"lines": lines}, headers=pk), 403, "permission_denied")
    assert_problem(await client.get(path, headers=auth(shop.brand.publishable_key)), 403, "permission_denied")
    assert (await client.put(path, json={"lines": lines})).status_code == 401
    assert (await client.get(path)).status_code == 401
    # Another brand: the event is as unknown as a made-up one, and its SKUs no better.
    assert_problem(await put_prices(client, other, event["id"], lines), 404, "not_found")
    assert_problem(await client.get(path, headers=auth(other.brand.secret_key)), 404, "not_found")
    assert_problem(await put_prices(client, shop, str(uuid.uuid4()), lines), 404, "not_found")
    mine = await new_event(client, other)
    foreign_sku = await put_prices(client, other, mine["id"], lines)
    assert_problem(foreign_sku, 422, "invalid_input")
    assert shop.sku in foreign_sku.json()["errors"][0]["message"]
    assert (await client.put("/v1/events/not-a-uuid/prices", json={"lines": lines}, headers=sk(shop))).status_code in (
        400,
        404,
    )


async def test_a_closed_events_prices_cannot_change(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    await Event.filter(id=event["id"]).update(status="closed")
    response = await put_prices(client, shop, event["id"], [{"sku": shop.sku, "price": gbp(9_900)}])
    assert_problem(response, 409, "conflict")


async def test_stamps_keep_growing_when_the_clock_stands_still_or_goes_back(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    brand_id, event_id = shop.brand.brand.id, uuid.UUID(event["id"])
    frozen = datetime.fromisoformat(event["created_at"]) + timedelta(days=1)
    stamps = []
    for amount, now in ((9_000, frozen), (9_100, frozen), (9_200, frozen - timedelta(hours=1))):
        data = PricesIn(lines=[PriceLineIn(sku=shop.sku, price=PriceIn(amount=amount, currency="GBP"))])
        [line] = (await offer.put_prices(brand_id, event_id, data, now)).lines
        stamps.append(line.updated_at)
    assert stamps == [frozen, frozen + rules.TICK, frozen + 2 * rules.TICK]
