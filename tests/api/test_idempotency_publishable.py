"""Idempotency keys with a publishable key: every shopper of a brand holds that key, so no replay
may hand one shopper what another made.

A new cart's replay is guarded by the Idempotency-Key alone, so the key must be a random version 4
UUID whose digits look random; everything under ``/v1/carts/{id}`` is guarded by the cart id as
well, which is part of the request a replay must repeat.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from storefront.api.idempotency import is_random_uuid
from storefront.cart import Cart
from storefront.ids import new_id
from storefront.tenancy.schemas import CreatedBrand
from tests.api.test_idempotency import assert_problem_code
from tests.commerce import open_shop, pickup
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient

# Keys a careless page might hard-code: each would make every shopper of the brand share one cart.
NOT_RANDOM = [
    "00000000-0000-0000-0000-000000000000",  # nil
    "11111111-1111-1111-1111-111111111111",  # version 1 bits: the key from the report
    "11111111-1111-4111-8111-111111111111",  # version and variant right, nothing random
    "00000000-0000-4000-8000-000000000000",
    "aaaaaaaa-aaaa-4aaa-aaaa-aaaaaaaaaaaa",
    "12345678-1234-4234-8234-123456789abc",
    "12345678-9abc-4def-8123-456789abcdef",
    "abcdefab-cdef-4abc-8def-abcdefabcdef",
    "deadbeef-dead-4eef-beef-deadbeefdead",
    "cafebabe-cafe-4abe-babe-cafebabecafe",
    "fedcba98-7654-4321-8fed-cba987654321",
]
NOT_V4 = [
    str(uuid.uuid1()),
    str(new_id()),  # our own time-ordered UUIDv7
    str(uuid.uuid4()).replace("-", ""),  # Python would parse these spellings; a client should not send them
    "{" + str(uuid.uuid4()) + "}",
    "urn:uuid:" + str(uuid.uuid4()),
    str(uuid.uuid4())[:-1] + "g",
    str(uuid.uuid4())[:19] + "c" + str(uuid.uuid4())[20:],  # variant bits of another UUID family
    "cart-1",
]


@pytest.mark.parametrize("key", NOT_RANDOM + NOT_V4)
def test_keys_that_are_not_random_v4_uuids_are_refused(key: str) -> None:
    assert not is_random_uuid(key)


def test_random_v4_uuids_are_accepted() -> None:
    keys = [str(uuid.uuid4()) for _ in range(20_000)]
    assert all(is_random_uuid(key) for key in keys)
    assert all(is_random_uuid(key.upper()) for key in keys[:100])  # the same UUID in capitals
    assert not is_random_uuid(keys[0] + "\n")


async def new_cart(client: Client, brand: CreatedBrand, key: str, body: dict[str, str] | None = None) -> httpx.Response:
    headers = auth(brand.publishable_key, **{"Idempotency-Key": key})
    return await client.post("/v1/carts", json=body or {}, headers=headers)


@pytest.mark.parametrize("key", ["11111111-1111-1111-1111-111111111111", "11111111-1111-4111-8111-111111111111"])
async def test_a_shared_key_never_hands_one_shopper_anothers_cart(
    client: Client, make_brand: MakeBrand, key: str
) -> None:
    """The report: a second shopper sending this key got the first shopper's cart."""
    brand = await make_brand()
    for _shopper in range(2):
        refused = await new_cart(client, brand, key)
        problem = assert_problem_code(refused, 400, "invalid_idempotency_key")
        assert problem["errors"] == [
            {"field": "header.idempotency-key", "message": "a random version 4 UUID with a publishable key"}
        ]
    assert await Cart.filter(brand_id=brand.brand.id).count() == 0


async def test_a_shoppers_own_retry_replays_its_own_cart(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    key = str(uuid.uuid4())
    first = await new_cart(client, brand, key)
    assert first.status_code == 201, first.text
    again = await new_cart(client, brand, key)
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert await Cart.filter(brand_id=brand.brand.id).count() == 1


async def test_under_a_cart_the_cart_id_guards_the_replay(client: Client, make_brand: MakeBrand) -> None:
    """Even one random key used by two shoppers replays nothing across their carts."""
    shop = await open_shop(client, make_brand)
    carts = []
    for _ in range(2):
        made = await new_cart(client, shop.brand, str(uuid.uuid4()))
        assert made.status_code == 201, made.text
        carts.append(made.json()["id"])
    key = str(uuid.uuid4())
    body = {"sku": shop.sku, "quantity": 1, "fulfilment": pickup()}
    headers = auth(shop.brand.publishable_key, **{"Idempotency-Key": key})
    mine = await client.post(f"/v1/carts/{carts[0]}/lines", json=body, headers=headers)
    assert mine.status_code == 201, mine.text
    theirs = await client.post(f"/v1/carts/{carts[1]}/lines", json=body, headers=headers)
    assert_problem_code(theirs, 409, "idempotency_key_reused")
    assert carts[0] not in theirs.text
    lines = await client.get(f"/v1/carts/{carts[1]}", headers=auth(shop.brand.publishable_key))
    assert lines.json()["lines"] == []


async def test_a_publishable_keys_record_is_not_replayed_to_a_secret_key(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    key = str(uuid.uuid4())
    shopper = await new_cart(client, brand, key)
    assert shopper.status_code == 201, shopper.text
    merchant = await client.post("/v1/carts", json={}, headers=auth(brand.secret_key, **{"Idempotency-Key": key}))
    assert_problem_code(merchant, 409, "idempotency_key_reused")
    assert shopper.json()["id"] not in merchant.text
