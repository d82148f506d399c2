"""Events over HTTP: create with a stall, list and read, other brands' events unseen, bad input as problems."""

from __future__ import annotations

import httpx

from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import event_body, new_event, sk

Client = httpx.AsyncClient


async def test_an_event_is_created_with_its_stall(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    body = event_body()
    created = await client.post("/v1/events", json=body, headers=sk(shop))
    assert created.status_code == 201, created.text
    event = created.json()
    assert {k: event[k] for k in ("handle", "name", "venue", "timezone", "status")} == {
        "handle": body["handle"], "name": body["name"], "venue": body["venue"], "timezone": "Europe/London",
        "status": "open",
    }  # fmt: skip
    assert event["location"] == f"stall-{body['handle']}"
    stall = await client.get(f"/v1/locations/{event['location']}", headers=auth(shop.brand.secret_key))
    assert stall.status_code == 200 and stall.json()["kind"] == "stall"
    read = await client.get(f"/v1/events/{event['id']}", headers=auth(shop.brand.secret_key))
    assert read.status_code == 200 and read.json() == event


async def test_events_are_listed_a_page_at_a_time(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    made = [(await new_event(client, shop))["id"] for _ in range(3)]
    headers = auth(shop.brand.secret_key)
    first = (await client.get("/v1/events", params={"limit": 2}, headers=headers)).json()
    assert [e["id"] for e in first["data"]] == made[:2] and first["has_more"]
    rest = await client.get("/v1/events", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers)
    assert [e["id"] for e in rest.json()["data"]] == made[2:] and not rest.json()["has_more"]


async def test_a_retried_create_makes_one_event(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    body = event_body()
    first = await client.post("/v1/events", json=body, headers=sk(shop, "create-1"))
    again = await client.post("/v1/events", json=body, headers=sk(shop, "create-1"))
    assert again.status_code == 201 and again.json() == first.json()
    listing = (await client.get("/v1/events", headers=auth(shop.brand.secret_key))).json()["data"]
    assert [e["id"] for e in listing] == [first.json()["id"]]
    twin = await client.post("/v1/events", json=body, headers=sk(shop))
    assert twin.status_code == 409 and twin.json()["code"] == "duplicate_handle"


async def test_another_brands_event_is_not_found(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    other = await open_shop(client, make_brand)
    base = f"/v1/events/{event['id']}"
    assert (await client.get(base, headers=auth(other.brand.secret_key))).status_code == 404
    lines = {"lines": [{"sku": other.other_sku, "from_location": "warehouse", "quantity": 1}]}
    assert (await client.post(f"{base}/allocations", json=lines, headers=sk(other))).status_code == 404
    assert (await client.post(f"{base}/devices", json={"name": "x"}, headers=sk(other))).status_code == 404
    assert (await client.get(f"{base}/devices", headers=auth(other.brand.secret_key))).status_code == 404
    listing = (await client.get("/v1/events", headers=auth(other.brand.secret_key))).json()
    assert listing["data"] == []


async def test_a_publishable_key_cannot_touch_events(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    for path in ("/v1/events", f"/v1/events/{event['id']}", f"/v1/events/{event['id']}/pack"):
        assert (await client.get(path, headers=auth(shop.brand.publishable_key))).status_code == 403


def fields_of(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


async def test_bad_events_are_422_problems_naming_the_field(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)

    async def refused(**overrides: object) -> set[str]:
        return fields_of(await client.post("/v1/events", json=event_body(**overrides), headers=sk(shop)))

    assert await refused(timezone="Europe/Atlantis") == {"body.timezone"}
    assert await refused(ends_at="2026-12-12T08:00:00+00:00") == {"body.ends_at"}
    assert await refused(ends_at="2026-12-12T09:00:00Z") == {"body.ends_at"}  # not after: equal
    assert await refused(starts_at="2026-12-12T09:00:00") == {"body.starts_at"}  # naive
    assert await refused(handle="Xmas Market") == {"body.handle"}
    assert await refused(handle="xmas\n") == {"body.handle"}
    assert await refused(name="") == {"body.name"}
    assert await refused(venue="Road\x00") == {"body.venue"}
    unknown = await client.post("/v1/events", json={**event_body(), "colour": "red"}, headers=sk(shop))
    assert unknown.status_code == 422
    assert (await client.get("/v1/events", headers=auth(shop.brand.secret_key))).json()["data"] == []


async def test_an_events_stall_cannot_be_deleted_from_under_it(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    response = await client.delete(f"/v1/locations/{event['location']}", headers=auth(shop.brand.secret_key))
    assert response.status_code == 409, response.text
