"""``GET /v1/events/upcoming``: what a brand's site may show of its coming events, with the publishable key."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from storefront.clock import utcnow
from storefront.events.models import Event
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, new_event, register, sk
from tests.fulfilment.test_quote_http import assert_problem

Client = httpx.AsyncClient
PATH = "/v1/events/upcoming"


async def test_a_brands_site_sees_its_open_coming_events_with_what_each_stall_brings(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    now = utcnow()
    later = await new_event(
        client, shop, name="Spring fair", starts_at=(now + timedelta(days=30)).isoformat(),
        ends_at=(now + timedelta(days=30, hours=6)).isoformat(),
    )  # fmt: skip
    soon = await new_event(
        client, shop, venue="Broadway Market, London E8", starts_at=(now + timedelta(days=2)).isoformat(),
        ends_at=(now + timedelta(days=2, hours=8)).isoformat(), timezone="Europe/Paris",
    )  # fmt: skip
    running = await new_event(
        client,
        shop,
        name="On now",
        starts_at=(now - timedelta(hours=2)).isoformat(),
        ends_at=(now + timedelta(hours=1)).isoformat(),
    )
    await new_event(
        client,
        shop,
        name="Last week",
        starts_at=(now - timedelta(days=8)).isoformat(),
        ends_at=(now - timedelta(days=7)).isoformat(),
    )
    closed = await new_event(
        client,
        shop,
        name="Called off",
        starts_at=(now + timedelta(days=3)).isoformat(),
        ends_at=(now + timedelta(days=4)).isoformat(),
    )
    await Event.filter(id=closed["id"]).update(status="closed")
    await allocate(client, shop, soon["id"], [(shop.sku, "market-street", 2), (shop.other_sku, "warehouse", 1)])
    await register(client, shop, soon["id"])
    await client.put(
        f"/v1/events/{soon['id']}/prices",
        json={"lines": [{"sku": shop.other_sku, "price": {"amount": 10_000, "currency": "GBP"}}]},
        headers=sk(shop),
    )
    drop = {
        "handle": f"fair-capsule-{uuid.uuid4().hex[:6]}", "name": "Fair capsule", "quantity": 10,
        "starts_at": (now + timedelta(days=2)).isoformat(), "ends_at": (now + timedelta(days=3)).isoformat(),
        "skus": [shop.sku],
    }  # fmt: skip
    assert (await client.post(f"/v1/events/{soon['id']}/drops", json=drop, headers=sk(shop))).status_code == 201

    response = await client.get(PATH, headers=auth(shop.brand.publishable_key))
    assert response.status_code == 200, response.text
    events = response.json()
    assert [e["handle"] for e in events] == [running["handle"], soon["handle"], later["handle"]]
    shown = events[1]
    assert (shown["venue"], shown["timezone"]) == ("Broadway Market, London E8", "Europe/Paris")
    products = {p["sku"]: p for p in shown["products"]}
    assert (
        products[shop.sku]["price"] == {"amount": 12_500, "currency": "GBP"}
        and products[shop.sku]["list_price"] is None
    )
    assert products[shop.sku]["drop"] == drop["handle"] and products[shop.sku]["product"] == shop.product
    assert products[shop.other_sku]["price"]["amount"] == 10_000
    assert products[shop.other_sku]["list_price"]["amount"] == 13_500
    assert products[shop.other_sku]["drop"] is None and products[shop.other_sku]["image"]
    [listed_drop] = shown["drops"]
    assert (listed_drop["status"], listed_drop["left"], listed_drop["text"]) == ("upcoming", 10, "10 of 10 left")
    # Nothing beyond what the catalogue says: no allocated quantities, devices or stall location.
    assert set(shown) == {"id", "handle", "name", "venue", "timezone", "starts_at", "ends_at", "products", "drops"}
    assert set(products[shop.sku]) == {
        "product", "sku", "title", "variant_title", "price", "list_price", "image", "image_alt", "drop",
    }  # fmt: skip
    assert "stall-" not in response.text and "token" not in response.text
    assert events[0]["products"] == [] and events[2]["drops"] == []


async def test_each_brand_sees_its_own_and_nobody_without_a_key(client: Client, make_brand: MakeBrand) -> None:
    shop, other = await open_shop(client, make_brand), await open_shop(client, make_brand)
    now = utcnow()
    await new_event(
        client, shop, starts_at=(now + timedelta(days=1)).isoformat(), ends_at=(now + timedelta(days=2)).isoformat()
    )
    assert (await client.get(PATH, headers=auth(other.brand.publishable_key))).json() == []
    assert len((await client.get(PATH, headers=auth(shop.brand.secret_key))).json()) == 1
    assert len((await client.get(PATH, params={"key": shop.brand.publishable_key})).json()) == 1
    assert (await client.get(PATH)).status_code == 401
    assert (await client.get(PATH, headers=auth("pk_test_" + "x" * 30))).status_code == 401
    refused = await client.post(PATH, json={}, headers=sk(shop))
    assert refused.status_code in (404, 405)


async def test_upcoming_is_not_mistaken_for_an_event_id_and_ids_stay_secret_key_only(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    assert_problem(
        await client.get(f"/v1/events/{event['id']}", headers=auth(shop.brand.publishable_key)),
        403,
        "permission_denied",
    )
    assert (await client.get(f"/v1/events/{event['id']}", headers=auth(shop.brand.secret_key))).status_code == 200
