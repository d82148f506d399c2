"""Reserve online, collect at the stall: the stall is a pickup point while its event runs.

The whole way through the storefront: an event makes its stall a dated pickup point, a shopper
checks out a pickup there, the reservation reaches the till in the pack and in every sync answer,
the till's collection fulfils the order and the report counts it, and closing the event ends it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from storefront.clock import utcnow
from storefront.events import journal as j
from storefront.events import pack
from storefront.orders import Order
from tests.api.test_bad_input import assert_problem
from tests.checkout.conftest import checkout, confirm, fake_payments, levels
from tests.commerce import Shop, add, new_cart, open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, event_body, new_event, register, sk
from tests.events.sync_kit import Stall, Till, statuses, synced

module_fake, fake_app, fake, client = fake_payments("stall-reserve", "whsec_stall_reserve")

Client = httpx.AsyncClient


async def running_market(client: Client, shop: Shop, units: int = 2, **overrides: Any) -> dict[str, Any]:
    """An event on now (started an hour ago, eight hours to go) with ``units`` of the shop's SKU at its stall."""
    now = utcnow()
    fields = {"starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(hours=8)).isoformat()}
    event = await new_event(client, shop, **(fields | overrides))
    moved = await allocate(client, shop, event["id"], [(shop.sku, "market-street", units)])
    assert moved.status_code == 201, moved.text
    return event


async def reserve(client: Client, shop: Shop, event: dict[str, Any], **body: Any) -> dict[str, Any]:
    cart = await new_cart(client, shop)
    line = await add(client, shop, cart, shop.sku, 1, fulfilment={"method": "pickup", "location": event["location"]})
    assert line.status_code == 201, line.text
    assert (await checkout(client, shop, cart, name="Grace Hopper", **body)).status_code == 201
    paid = await confirm(client, shop, cart)
    assert paid.status_code == 200, paid.text
    return paid.json()["order"]  # type: ignore[no-any-return]


async def quote_at(client: Client, shop: Shop, location: str) -> httpx.Response:
    params = {"variant": shop.sku, "method": "pickup", "location": location}
    return await client.get("/v1/fulfilment/quote", params=params, headers=auth(shop.brand.publishable_key))


async def test_the_stall_is_a_pickup_point_for_its_events_dates(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await running_market(client, shop)
    points = (await client.get("/v1/fulfilment/pickup-points", headers=auth(shop.brand.publishable_key))).json()
    [stall] = [p for p in points["data"] if p["location"] == event["location"]]
    assert (stall["opens_at"], stall["closes_at"], stall["prep_minutes"]) == (event["starts_at"], event["ends_at"], 60)
    shop_point = next(p for p in points["data"] if p["location"] == "market-street")
    assert shop_point["opens_at"] is None and shop_point["closes_at"] is None
    quote = await quote_at(client, shop, event["location"])
    assert quote.status_code == 200, quote.text
    ready = quote.json()["earliest"]
    assert event["starts_at"] < ready < event["ends_at"]


async def test_an_event_without_collection_is_no_pickup_point(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await running_market(client, shop, pickup_prep_minutes=None)
    quote = await quote_at(client, shop, event["location"])
    assert_problem(quote, 422, "no_pickup_point")


async def test_a_pickup_prep_time_out_of_range_is_refused_in_words(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    for bad in (-1, 24 * 60 + 1, "soon", 1.5):
        response = await client.post("/v1/events", json=event_body(pickup_prep_minutes=bad), headers=sk(shop))
        assert_problem(response, 422, field="body.pickup_prep_minutes")


async def test_reserved_online_collected_at_the_stall(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await running_market(client, shop, units=2)
    order = await reserve(client, shop, event)
    [part] = order["fulfilments"]
    assert (part["method"], part["location"]) == ("pickup", event["location"])
    code = part["pickup_code"]
    assert (await levels(client, shop, shop.sku))[event["location"]] == (1, 0)  # sold online, still on the shelf

    device = (await register(client, shop, event["id"])).json()
    raw = await client.get(f"/v1/events/{event['id']}/pack", headers=auth(device["token"]))
    taken = pack.verify(raw.content, device["pack_key"], utcnow(), device_id=uuid.UUID(device["id"]))
    [reservation] = taken.reservations
    assert (reservation.number, reservation.name) == (order["number"], "Grace Hopper")
    assert reservation.pickup_code_hash == pack.pickup_code_hash(shop.brand.brand.id, code.lower())
    assert code not in raw.text  # the pack never carries the code itself
    assert [(line.sku, line.quantity) for line in reservation.lines] == [(shop.sku, 1)]

    till = Till(device_id=device["id"], token=device["token"], mark=device["mark"])
    stall = Stall(shop=shop, event=event, tills=[till])
    first = await synced(client, stall, [])
    assert [r["order_id"] for r in first["updates"]["reservations"]] == [order["id"]]

    handed = j.Collect(
        order_id=uuid.UUID(order["id"]),
        order_number=order["number"],
        staff="Ada",
        lines=[j.CollectedLine(sku=shop.sku, quantity=1)],
    )
    answer = await synced(client, stall, [till.entry("collect", handed)])
    assert statuses(answer) == ["applied"]
    assert answer["updates"]["reservations"] == []  # collected: no longer waiting
    assert (await Order.get(id=order["id"])).status == "fulfilled"
    assert (await levels(client, shop, shop.sku))[event["location"]] == (1, 0)  # the unit left when it was paid

    report = (await client.get(f"/v1/events/{event['id']}/report", headers=sk(shop))).json()
    [row] = [r for r in report["figures"]["stock"] if r["sku"] == shop.sku]
    assert (row["allocated"], row["sold"], row["collected"], row["remaining"]) == (2, 0, 1, 1)


async def test_closing_the_event_ends_collection_at_the_stall(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await running_market(client, shop)
    assert (await quote_at(client, shop, event["location"])).status_code == 200
    closed = await client.post(f"/v1/events/{event['id']}/close", headers=sk(shop))
    assert closed.status_code == 200, closed.text
    quote = await quote_at(client, shop, event["location"])
    assert_problem(quote, 422)


async def test_a_market_next_week_promises_collection_once_it_opens(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    opens = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    event = await running_market(
        client, shop, starts_at=opens.isoformat(), ends_at=(opens + timedelta(hours=7)).isoformat()
    )
    quote = (await quote_at(client, shop, event["location"])).json()
    assert quote["earliest"] >= (opens + timedelta(minutes=60)).isoformat().replace("+00:00", "Z")[:19]
