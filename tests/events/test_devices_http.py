"""Devices and the event pack over HTTP: a token shown once, revocation, and a pack the till can verify."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import httpx

from storefront.clock import utcnow
from storefront.events import pack, tokens
from tests.commerce import open_shop
from tests.conftest import TEST_SECRET, MakeBrand, auth
from tests.events.helpers import allocate, new_event, register, sk

Client = httpx.AsyncClient
KEY = tokens.signing_key(TEST_SECRET.reveal())


async def test_a_device_gets_its_token_once(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    first = await register(client, shop, event["id"], key="till-1")
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    device = first.json()
    assert re.fullmatch(r"sk_dev_[A-Za-z0-9_-]{43}", device["token"])
    assert device["pack_key"] == tokens.pack_key(KEY, uuid.UUID(device["id"]))
    again = await register(client, shop, event["id"], key="till-1")
    assert again.status_code == 201
    assert again.json() == {**device, "token": None}
    listing = await client.get(f"/v1/events/{event['id']}/devices", headers=auth(shop.brand.secret_key))
    assert listing.status_code == 200
    [listed] = listing.json()["data"]
    assert listed["id"] == device["id"] and listed["revoked_at"] is None
    assert "token" not in listing.text and device["token"] not in listing.text and "pack_key" not in listed


async def test_the_device_token_fetches_its_own_signed_pack(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", 3)])
    device = (await register(client, shop, event["id"])).json()
    response = await client.get(f"/v1/events/{event['id']}/pack", headers=auth(device["token"]))
    assert response.status_code == 200, response.text
    verified = pack.verify(
        response.content,
        device["pack_key"],
        utcnow(),
        device_id=uuid.UUID(device["id"]),
        event_id=uuid.UUID(event["id"]),
    )
    assert verified.format == 1 and verified.device.name == "till 1"
    assert verified.event.handle == event["handle"] and verified.event.location == event["location"]
    assert verified.brand.id == shop.brand.brand.id and verified.brand.currency == "GBP"
    assert verified.allocation == [pack.PackLine(sku=shop.other_sku, quantity=3)]
    [product] = verified.products
    assert (product.sku, product.price, product.currency) == (shop.other_sku, 13_500, "GBP")
    assert product.images and product.images[0].url
    assert verified.expires_at == datetime.fromisoformat(event["ends_at"]) + timedelta(days=2)
    with_secret = await client.get(
        f"/v1/events/{event['id']}/pack", params={"device": device["id"]}, headers=auth(shop.brand.secret_key)
    )
    assert with_secret.status_code == 200
    assert pack.verify(with_secret.content, device["pack_key"], utcnow()).device.id == uuid.UUID(device["id"])


async def test_a_pack_names_its_device(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    device = (await register(client, shop, event["id"])).json()
    path = f"/v1/events/{event['id']}/pack"
    unnamed = await client.get(path, headers=auth(shop.brand.secret_key))
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "query.device"
    unknown = await client.get(path, params={"device": str(uuid.uuid4())}, headers=auth(shop.brand.secret_key))
    assert unknown.status_code == 404
    other_device = await client.get(path, params={"device": str(uuid.uuid4())}, headers=auth(device["token"]))
    assert other_device.status_code == 404
    malformed = await client.get(path, params={"device": "till-1"}, headers=auth(shop.brand.secret_key))
    assert malformed.status_code in (400, 422)


async def test_a_device_token_opens_nothing_but_its_events_pack(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event, other_event = await new_event(client, shop), await new_event(client, shop)
    token = (await register(client, shop, event["id"])).json()["token"]
    assert (await client.get(f"/v1/events/{other_event['id']}/pack", headers=auth(token))).status_code == 404
    for path in ("/v1/events", f"/v1/events/{event['id']}", f"/v1/events/{event['id']}/devices", "/v1/products"):
        assert (await client.get(path, headers=auth(token))).status_code == 401, path
    refused = await client.post(
        f"/v1/events/{event['id']}/devices", json={"name": "rogue"}, headers=auth(token, **{"Idempotency-Key": "r"})
    )
    assert refused.status_code == 401
    made_up = tokens.generate()
    assert (await client.get(f"/v1/events/{event['id']}/pack", headers=auth(made_up))).status_code == 401


async def test_a_revoked_device_gets_401_for_its_pack(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    device = (await register(client, shop, event["id"])).json()
    path = f"/v1/events/{event['id']}/devices/{device['id']}"
    assert (await client.get(f"/v1/events/{event['id']}/pack", headers=auth(device["token"]))).status_code == 200
    assert (await client.delete(path, headers=sk(shop))).status_code == 204
    listed = (await client.get(f"/v1/events/{event['id']}/devices", headers=auth(shop.brand.secret_key))).json()
    revoked_at = listed["data"][0]["revoked_at"]
    assert revoked_at is not None
    assert (await client.delete(path, headers=sk(shop))).status_code == 204  # idempotent: the first instant stays
    again = (await client.get(f"/v1/events/{event['id']}/devices", headers=auth(shop.brand.secret_key))).json()
    assert again["data"][0]["revoked_at"] == revoked_at
    refused = await client.get(f"/v1/events/{event['id']}/pack", headers=auth(device["token"]))
    assert refused.status_code == 401 and refused.headers["content-type"].startswith("application/problem+json")
    by_secret = await client.get(
        f"/v1/events/{event['id']}/pack", params={"device": device["id"]}, headers=auth(shop.brand.secret_key)
    )
    assert by_secret.status_code == 422


async def test_devices_of_another_brand_are_not_found(client: Client, make_brand: MakeBrand) -> None:
    shop, other = await open_shop(client, make_brand), await open_shop(client, make_brand)
    event = await new_event(client, shop)
    device = (await register(client, shop, event["id"])).json()
    path = f"/v1/events/{event['id']}/devices/{device['id']}"
    assert (await client.delete(path, headers=sk(other))).status_code == 404
    pack_path = f"/v1/events/{event['id']}/pack"
    assert (
        await client.get(pack_path, params={"device": device["id"]}, headers=auth(other.brand.secret_key))
    ).status_code == 404
    assert (
        await client.delete(f"/v1/events/{event['id']}/devices/{uuid.uuid4()}", headers=sk(shop))
    ).status_code == 404


async def test_bad_device_names_are_422(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    for body in ({"name": ""}, {"name": "till\x001"}, {"name": "x" * 101}, {}, {"name": "t", "token": "mine"}):
        response = await client.post(f"/v1/events/{event['id']}/devices", json=body, headers=sk(shop))
        assert response.status_code == 422, (body, response.text)
