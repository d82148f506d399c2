"""Allocations over HTTP: stock moves to the stall through the ledger, all or nothing, once per key, off sale online."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tortoise.transactions import in_transaction

from storefront.catalog import Variant
from storefront.inventory import Location, ledger
from tests.commerce import add, courier, new_cart, open_shop, pickup
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, level, new_event

Client = httpx.AsyncClient


async def test_an_allocation_moves_units_to_the_stall_through_the_ledger(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await allocate(
        client, shop, event["id"], [(shop.other_sku, "warehouse", 3), (shop.sku, "market-street", 2)]
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(line["sku"], line["from_location"], line["quantity"]) for line in body["lines"]] == [
        (shop.other_sku, "warehouse", 3), (shop.sku, "market-street", 2),
    ]  # fmt: skip
    assert body["allocation"] == sorted(
        [{"sku": shop.other_sku, "quantity": 3}, {"sku": shop.sku, "quantity": 2}], key=lambda a: a["sku"]
    )
    assert await level(client, shop, shop.other_sku, "warehouse") == (2, 0)
    assert await level(client, shop, shop.other_sku, event["location"]) == (3, 0)
    assert await level(client, shop, shop.sku, event["location"]) == (2, 0)
    movements = await client.get(
        "/v1/stock/movements", params={"sku": shop.other_sku}, headers=auth(shop.brand.secret_key)
    )
    moved = [m for m in movements.json()["data"] if m["kind"] == "allocate"]
    assert [(m["location"], m["on_hand_delta"]) for m in moved] == [("warehouse", -3), (event["location"], 3)]
    assert {m["reason"] for m in moved} == {f"allocated to event {event['handle']}"}


async def test_a_retried_allocation_moves_stock_once(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    first = await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 2)], key="alloc-1")
    again = await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 2)], key="alloc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    assert await level(client, shop, shop.other_sku, event["location"]) == (2, 0)
    assert await level(client, shop, shop.other_sku, "warehouse") == (3, 0)
    other = await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 1)], key="alloc-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


async def test_past_availability_is_409_naming_the_sku_and_nothing_moves(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await allocate(
        client, shop, event["id"], [(shop.sku, "market-street", 2), (shop.other_sku, "warehouse", 6)]
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "out_of_stock" and shop.other_sku in problem["detail"]
    assert problem["sku"] == shop.other_sku and problem["available"] == 5
    assert problem["errors"][0]["field"] == "body.lines[1].quantity"
    assert await level(client, shop, shop.sku, "market-street") == (5, 0)
    assert await level(client, shop, shop.sku, event["location"]) == (0, 0)
    assert (await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 5)])).json()["allocation"] == [
        {"sku": shop.other_sku, "quantity": 5}
    ]


async def test_reserved_units_are_not_available_to_allocate(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    variant = await Variant.get(brand_id=shop.brand.brand.id, sku=shop.other_sku)
    warehouse = await Location.get(brand_id=shop.brand.brand.id, handle="warehouse")
    async with in_transaction():
        await ledger.hold(variant.id, 4, [warehouse.id], sku=shop.other_sku, field="x", reason="an unpaid order")
    refused = await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 2)])
    assert refused.status_code == 409 and refused.json()["available"] == 1
    assert (await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 1)])).status_code == 201
    assert await level(client, shop, shop.other_sku, "warehouse") == (4, 4)


async def test_bad_allocations_are_problems(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    unknown = await allocate(client, shop, event["id"], [("NOPE-1", "warehouse", 1), (shop.sku, "attic", 1)])
    assert unknown.status_code == 404
    assert {e["field"] for e in unknown.json()["errors"]} == {"body.lines[0].sku", "body.lines[1].from_location"}
    itself = await allocate(client, shop, event["id"], [(shop.sku, event["location"], 1)])
    assert itself.status_code == 422 and itself.json()["errors"][0]["field"] == "body.lines[0].from_location"
    for quantity in (0, -1, 10**7):
        bad = await allocate(client, shop, event["id"], [(shop.sku, "market-street", quantity)])
        assert bad.status_code == 422, bad.text
    empty = await client.post(
        f"/v1/events/{event['id']}/allocations", json={"lines": []}, headers=auth(shop.brand.secret_key)
    )
    assert empty.status_code == 422
    assert await level(client, shop, shop.sku, "market-street") == (5, 0)


async def test_stall_stock_is_not_sold_online(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    moved = await allocate(
        client, shop, event["id"], [(shop.sku, "market-street", 5), (shop.other_sku, "warehouse", 5)]
    )
    assert moved.status_code == 201, moved.text
    product = (await client.get(f"/v1/products/{shop.product}", headers=auth(shop.brand.publishable_key))).json()
    stock = {v["sku"]: v["stock"] for v in product["variants"]}
    for sku in (shop.sku, shop.other_sku):
        assert (stock[sku]["available"], stock[sku]["pickup"], stock[sku]["courier"]) == (0, 0, 0)
    cart = await new_cart(client, shop)
    assert (await add(client, shop, cart, shop.sku, 1, pickup())).status_code in (409, 422)
    assert (await add(client, shop, cart, shop.other_sku, 1, courier())).status_code in (409, 422)


async def test_racing_allocations_never_take_more_than_there_is(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    events = [await new_event(client, shop) for _ in range(4)]
    answers = await asyncio.gather(
        *(allocate(client, shop, e["id"], [(shop.other_sku, "warehouse", 2)]) for e in events)
    )
    assert sorted(a.status_code for a in answers) == [201, 201, 409, 409], [a.text for a in answers]
    at_stalls = [await level(client, shop, shop.other_sku, e["location"]) for e in events]
    assert sum(on_hand for on_hand, _ in at_stalls) == 4
    assert await level(client, shop, shop.other_sku, "warehouse") == (1, 0)
    last = await asyncio.gather(*(allocate(client, shop, e["id"], [(shop.other_sku, "warehouse", 1)]) for e in events))
    assert sorted(a.status_code for a in last) == [201, 409, 409, 409]
    assert await level(client, shop, shop.other_sku, "warehouse") == (0, 0)


@pytest.mark.parametrize(
    ("units", "first", "second"), [(1, 1, 1), (3, 2, 2), (4, 2, 2), (5, 3, 3), (5, 5, 1), (5, 4, 1)]
)
async def test_two_allocations_racing_for_the_last_units(
    client: Client, make_brand: MakeBrand, units: int, first: int, second: int
) -> None:
    """Both succeed exactly when there is enough for both; otherwise one does, and nothing is oversold."""
    shop = await open_shop(client, make_brand, warehouse_units=units)
    one, two = await new_event(client, shop), await new_event(client, shop)
    answers = await asyncio.gather(
        allocate(client, shop, one["id"], [(shop.other_sku, "warehouse", first)]),
        allocate(client, shop, two["id"], [(shop.other_sku, "warehouse", second)]),
    )
    won = [ask for ask, answer in zip((first, second), answers, strict=True) if answer.status_code == 201]
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    assert len(won) == (2 if first + second <= units else 1)
    stalls = [(await level(client, shop, shop.other_sku, e["location"]))[0] for e in (one, two)]
    assert sum(stalls) == sum(won) <= units
    assert await level(client, shop, shop.other_sku, "warehouse") == (units - sum(won), 0)
