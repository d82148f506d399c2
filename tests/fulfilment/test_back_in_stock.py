"""Back-in-stock requests over HTTP: a shopper asks with the publishable key, the brand's mailer reads with the secret.

A shop from :mod:`tests.commerce` with its first variant sold out. Asking twice keeps one
request; a bad email is a 422 problem naming the field; the list is the secret key's only; a
request falls due once stock of its variant arrives, and only then.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from storefront.fulfilment import rules
from tests.commerce import Shop, open_shop, receive
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
PATH = "/v1/back-in-stock"


async def ask(client: Client, shop: Shop, email: str, sku: str | None = None, **headers: str) -> httpx.Response:
    body = {"variant": sku or shop.sku, "email": email}
    return await client.post(PATH, json=body, headers=auth(shop.brand.publishable_key, **headers))


async def listed(client: Client, shop: Shop, **params: str) -> list[dict[str, Any]]:
    response = await client.get(PATH, params=params, headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_a_request_is_due_once_the_variant_can_be_had_again() -> None:
    assert rules.restock_status(available=0, made_to_order=False) == "waiting"
    assert rules.restock_status(available=1, made_to_order=False) == "due"
    assert rules.restock_status(available=0, made_to_order=True) == "due"  # it can be made for them
    assert rules.normalise_email("  Ada@Example.COM ") == "ada@example.com"


async def test_asking_twice_keeps_one_request(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    first = await ask(client, shop, "ada@example.com")
    assert first.status_code == 201, first.text
    request = first.json()
    assert (request["variant"], request["email"], request["status"], request["due_at"]) == (
        shop.sku,
        "ada@example.com",
        "waiting",
        None,
    )
    again = await ask(client, shop, "ADA@Example.com")  # the same address, however it is written
    assert again.status_code == 200, again.text
    assert again.json()["id"] == request["id"]
    assert [r["id"] for r in await listed(client, shop)] == [request["id"]]
    # An Idempotency-Key replays the first answer, byte for byte.
    key = str(uuid.uuid4())
    made = await ask(client, shop, "bea@example.com", **{"Idempotency-Key": key})
    replay = await ask(client, shop, "bea@example.com", **{"Idempotency-Key": key})
    assert made.status_code == replay.status_code == 201
    assert replay.content == made.content and replay.headers.get("idempotent-replayed") == "true"
    assert len(await listed(client, shop)) == 2


async def test_a_bad_request_is_a_problem_naming_the_field(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    for email in ("not-an-email", "ada@example", "ada@exa mple.com", "ada@example.com\n", ""):
        response = await ask(client, shop, email)
        assert response.status_code in (400, 422), (email, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == ["body.email"], response.text
    unknown = await ask(client, shop, "ada@example.com", sku="NO-SUCH-SKU")
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["errors"] == [{"field": "body.variant", "message": "no such SKU"}]
    extra = await client.post(
        PATH,
        json={"variant": shop.sku, "email": "ada@example.com", "name": "Ada"},
        headers=auth(shop.brand.publishable_key),
    )
    assert extra.status_code in (400, 422), extra.text
    assert await listed(client, shop) == []


async def test_only_the_secret_key_lists_requests_and_only_its_brands(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    other = await open_shop(client, make_brand, shop_units=0)
    assert (await ask(client, shop, "ada@example.com")).status_code == 201
    assert (await ask(client, other, "bea@example.com", sku=other.sku)).status_code == 201
    publishable = await client.get(PATH, headers=auth(shop.brand.publishable_key))
    assert publishable.status_code == 403, publishable.text
    assert publishable.headers["content-type"].startswith("application/problem+json")
    assert [r["email"] for r in await listed(client, shop)] == ["ada@example.com"]
    # Another brand's SKU is no variant of this brand's.
    theirs = await ask(client, shop, "ada@example.com", sku=other.sku)
    assert theirs.status_code == 404, theirs.text


async def test_requests_fall_due_when_stock_arrives(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    waiting = (await ask(client, shop, "ada@example.com")).json()
    in_stock = (await ask(client, shop, "bea@example.com", sku=shop.other_sku)).json()  # at the warehouse already
    assert in_stock["status"] == "due" and in_stock["due_at"] is not None
    assert [r["id"] for r in await listed(client, shop, status="due")] == [in_stock["id"]]
    assert [r["id"] for r in await listed(client, shop, status="waiting")] == [waiting["id"]]

    await receive(client, shop.brand, shop.sku, "market-street", 2)
    due = await listed(client, shop, status="due")
    assert [r["id"] for r in due] == [waiting["id"], in_stock["id"]]
    assert all(r["status"] == "due" and r["due_at"] for r in due)
    assert await listed(client, shop, status="waiting") == []
    bad_status = await client.get(PATH, params={"status": "sent"}, headers=auth(shop.brand.secret_key))
    assert bad_status.status_code == 422, bad_status.text
