"""Limited drops over HTTP: made with the secret key, read by a brand's site with the publishable key, left counted
through the stock ledger (sales online and at the stall alike, units back on sale given back), and every refusal."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.clock import utcnow
from storefront.events.models import Event
from storefront.inventory import Location, ledger
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, new_event, sk
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient


def drop_body(sku_list: list[str], **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "handle": f"winter-capsule-{uuid.uuid4().hex[:6]}",
        "name": "Winter capsule",
        "quantity": 50,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "skus": sku_list,
    }
    body.update(overrides)
    return body


async def new_drop(client: Client, shop: Shop, event_id: str, **overrides: Any) -> httpx.Response:
    body = drop_body([shop.sku, shop.other_sku], **overrides)
    return await client.post(f"/v1/events/{event_id}/drops", json=body, headers=sk(shop))


async def sell(shop: Shop, sku: str, location: str, quantity: int) -> None:
    """A sale as the ledger records it (what a paid order, or a synced stall sale, leaves behind)."""
    variant = await Variant.get(brand_id=shop.brand.brand.id, sku=sku)
    place = await Location.get(brand_id=shop.brand.brand.id, handle=location)
    async with in_transaction():
        await ledger.sell_now(variant.id, place.id, quantity, sku=sku, reason="sold in a test")


async def give_back(shop: Shop, sku: str, location: str, quantity: int) -> None:
    variant = await Variant.get(brand_id=shop.brand.brand.id, sku=sku)
    place = await Location.get(brand_id=shop.brand.brand.id, handle=location)
    async with in_transaction():
        await ledger.restock(shop.brand.brand.id, variant.id, place.id, quantity, "returned in a test")


async def public(client: Client, shop: Shop, handle: str) -> httpx.Response:
    return await client.get(f"/v1/drops/{handle}", headers=auth(shop.brand.publishable_key))


async def test_a_drop_counts_what_sold_since_it_began_online_and_at_the_stall(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    assert (await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 4)])).status_code == 201
    made = await new_drop(client, shop, event["id"], quantity=12)
    assert made.status_code == 201, made.text
    drop = made.json()
    assert (drop["quantity"], drop["left"], drop["status"], drop["text"]) == (12, 12, "live", "12 of 12 left")
    assert drop["event"] == event["handle"] and drop["skus"] == sorted([shop.sku, shop.other_sku])
    await sell(shop, shop.sku, "market-street", 2)  # online, from the shop
    await sell(shop, shop.other_sku, event["location"], 3)  # at the stall
    seen = await public(client, shop, drop["handle"])
    assert seen.status_code == 200, seen.text
    assert (seen.json()["left"], seen.json()["text"]) == (7, "7 of 12 left")
    await give_back(shop, shop.sku, "market-street", 1)  # a return back on sale
    assert (await public(client, shop, drop["handle"])).json()["left"] == 8
    listed = await client.get(f"/v1/events/{event['id']}/drops", headers=auth(shop.brand.secret_key))
    assert listed.status_code == 200 and [d["left"] for d in listed.json()] == [8]


async def test_a_drop_sold_past_its_quantity_says_sold_out(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=5)
    event = await new_event(client, shop)
    drop = (await new_drop(client, shop, event["id"], quantity=3)).json()
    await sell(shop, shop.sku, "market-street", 4)
    seen = (await public(client, shop, drop["handle"])).json()
    assert (seen["left"], seen["text"]) == (0, "Sold out: 0 of 3 left")


async def test_upcoming_and_ended_drops_count_nothing_outside_their_window(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    now = utcnow()
    soon = await new_drop(
        client,
        shop,
        event["id"],
        starts_at=(now + timedelta(days=1)).isoformat(),
        ends_at=(now + timedelta(days=2)).isoformat(),
    )
    assert soon.status_code == 201, soon.text
    ended_event = await new_event(client, shop)
    past = await new_drop(
        client,
        shop,
        ended_event["id"],
        starts_at=(now - timedelta(days=2)).isoformat(),
        ends_at=(now - timedelta(days=1)).isoformat(),
    )
    assert past.status_code == 201, past.text
    await sell(shop, shop.sku, "market-street", 2)
    assert [
        (d["status"], d["left"]) for d in (soon.json(), (await public(client, shop, soon.json()["handle"])).json())
    ] == [
        ("upcoming", 50),
        ("upcoming", 50),
    ]
    ended = (await public(client, shop, past.json()["handle"])).json()
    assert (ended["status"], ended["left"]) == ("ended", 50)  # sold after it ended: not the drop's


async def test_a_replayed_drop_answers_the_first_and_a_second_handle_use_is_409(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    body = drop_body([shop.sku])
    path = f"/v1/events/{event['id']}/drops"
    first = await client.post(path, json=body, headers=sk(shop, "drop-1"))
    again = await client.post(path, json=body, headers=sk(shop, "drop-1"))
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    twin = await client.post(path, json={**body, "skus": [shop.other_sku]}, headers=sk(shop))
    assert_problem(twin, 409, "duplicate_handle")


async def test_skus_unknown_repeated_or_in_another_drop_are_422_naming_each(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    path = f"/v1/events/{event['id']}/drops"
    first = await client.post(path, json=drop_body([shop.sku]), headers=sk(shop))
    assert first.status_code == 201
    response = await client.post(
        path, json=drop_body([shop.other_sku, "NO-SUCH-BAG", shop.other_sku, shop.sku]), headers=sk(shop)
    )
    assert_problem(response, 422, "invalid_input")
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "NO-SUCH-BAG" in errors["body.skus[1]"]
    assert "twice" in errors["body.skus[2]"]
    assert first.json()["handle"] in errors["body.skus[3]"] and shop.sku in errors["body.skus[3]"]
    # Another event of the brand may have its own drop of the same SKU.
    elsewhere = await new_event(client, shop)
    assert (
        await client.post(f"/v1/events/{elsewhere['id']}/drops", json=drop_body([shop.sku]), headers=sk(shop))
    ).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"quantity": 2**70}, "quantity"),
        ({"quantity": "12"}, "quantity"),
        ({"skus": []}, "skus"),
        ({"handle": "Winter Capsule"}, "handle"),
        ({"handle": "winter\n"}, "handle"),
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"starts_at": "2026-12-12T10:00:00"}, "starts_at"),
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"left": 5}, "left"),
    ],
    ids=[
        "zero",
        "huge",
        "beyond-int64",
        "text",
        "no-skus",
        "not-a-handle",
        "newline",
        "no-name",
        "nul",
        "naive",
        "words",
        "unknown",
    ],
)
async def test_bad_drops_are_4xx_naming_the_field(
    client: Client, make_brand: MakeBrand, overrides: dict[str, Any], field: str
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await client.post(
        f"/v1/events/{event['id']}/drops", json=drop_body([shop.sku], **overrides), headers=sk(shop)
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


async def test_an_end_before_the_start_is_422(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    now = utcnow()
    response = await new_drop(client, shop, event["id"], starts_at=now.isoformat(), ends_at=now.isoformat())
    assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in response.json()["errors"]] == ["body.ends_at"]


async def test_who_may_make_and_read_drops(client: Client, make_brand: MakeBrand) -> None:
    shop, other = await open_shop(client, make_brand), await open_shop(client, make_brand)
    event = await new_event(client, shop)
    drop = (await new_drop(client, shop, event["id"])).json()
    path = f"/v1/events/{event['id']}/drops"
    pk = auth(shop.brand.publishable_key, **{"Idempotency-Key": str(uuid.uuid4())})
    assert_problem(await client.post(path, json=drop_body([shop.sku]), headers=pk), 403, "permission_denied")
    assert_problem(await client.get(path, headers=auth(shop.brand.publishable_key)), 403, "permission_denied")
    assert (await client.post(path, json=drop_body([shop.sku]))).status_code == 401
    assert (await client.get(f"/v1/drops/{drop['handle']}")).status_code == 401
    assert_problem(await client.post(path, json=drop_body([shop.sku]), headers=sk(other)), 404, "not_found")
    assert_problem(await client.get(path, headers=auth(other.brand.secret_key)), 404, "not_found")
    assert_problem(await public(client, other, drop["handle"]), 404, "not_found")
    assert_problem(await public(client, shop, "no-such-drop"), 404, "not_found")
    assert (await public(client, shop, "Not A Handle")).status_code in (400, 404, 422)
    assert (await public(client, shop, "x" * 81)).status_code in (400, 422)
    assert (await public(client, shop, "winter%0A")).status_code in (400, 404, 422)
    by_secret = await client.get(f"/v1/drops/{drop['handle']}", headers=auth(shop.brand.secret_key))
    assert by_secret.status_code == 200 and by_secret.json()["handle"] == drop["handle"]
    theirs = await new_event(client, other)
    foreign = await client.post(f"/v1/events/{theirs['id']}/drops", json=drop_body([shop.sku]), headers=sk(other))
    assert_problem(foreign, 422, "invalid_input")
    assert shop.sku in foreign.json()["errors"][0]["message"]


async def test_a_closed_event_takes_no_drop(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    await Event.filter(id=event["id"]).update(status="closed")
    assert_problem(await new_drop(client, shop, event["id"]), 409, "conflict")
