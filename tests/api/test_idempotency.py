"""``Idempotency-Key`` on writes: a retry replays the first response and never runs twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from storefront.api.models import IdempotencyRecord
from storefront.clock import utcnow
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
PROBLEM_JSON = "application/problem+json"


def new_key() -> str:
    return f"idem-{uuid.uuid4()}"


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


async def post_product(
    client: Client, brand: CreatedBrand, raw: bytes, key: str | None, path: str = "/v1/products"
) -> httpx.Response:
    headers = {**auth(brand.secret_key), "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post(path, content=raw, headers=headers)


async def handles(client: Client, brand: CreatedBrand) -> list[str]:
    response = await client.get("/v1/products", params={"limit": 100}, headers=auth(brand.secret_key))
    assert response.status_code == 200, response.text
    assert response.json()["has_more"] is False
    return [p["handle"] for p in response.json()["data"]]


def assert_replay_of(replay: httpx.Response, first: httpx.Response) -> None:
    assert replay.status_code == first.status_code
    assert replay.content == first.content  # byte for byte
    assert replay.headers["content-type"] == first.headers["content-type"]
    assert replay.headers["idempotent-replayed"] == "true"


def assert_problem_code(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    for name in ("type", "title", "detail"):
        assert problem[name]
    return problem  # type: ignore[no-any-return]


@pytest.fixture
async def shop(make_brand: MakeBrand) -> CreatedBrand:
    return await make_brand()


async def test_replay_returns_the_first_response_byte_for_byte(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    raw = encode(product_body(title="Once Only Tote"))
    first = await post_product(client, shop, raw, key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for _ in range(3):
        assert_replay_of(await post_product(client, shop, raw, key), first)
    assert await handles(client, shop) == ["once-only-tote"]


async def test_replay_is_the_stored_response_not_a_fresh_read(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    raw = encode(product_body(title="Stored Tote"))
    first = await post_product(client, shop, raw, key)
    assert first.status_code == 201
    changed = await client.patch(
        "/v1/products/stored-tote", json={"title": "Renamed Tote"}, headers=auth(shop.secret_key)
    )
    assert changed.status_code == 200
    replay = await post_product(client, shop, raw, key)
    assert_replay_of(replay, first)
    assert replay.json()["title"] == "Stored Tote"
    current = await client.get("/v1/products/stored-tote", headers=auth(shop.secret_key))
    assert current.json()["title"] == "Renamed Tote"


async def test_without_a_key_a_retry_runs_again(client: Client, shop: CreatedBrand) -> None:
    raw = encode(product_body(title="Unkeyed Tote"))
    assert (await post_product(client, shop, raw, None)).status_code == 201
    again = await post_product(client, shop, raw, None)
    assert_problem_code(again, 409, "duplicate_handle")
    assert "idempotent-replayed" not in again.headers


async def test_same_key_with_a_different_body_is_409_key_reused(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    raw = encode(product_body(title="First Tote"))
    first = await post_product(client, shop, raw, key)
    assert first.status_code == 201
    other = await post_product(client, shop, encode(product_body(title="Second Tote")), key)
    assert_problem_code(other, 409, "idempotency_key_reused")
    assert "idempotent-replayed" not in other.headers
    assert await handles(client, shop) == ["first-tote"]
    # The original request still replays.
    assert_replay_of(await post_product(client, shop, raw, key), first)


async def test_same_key_on_another_route_or_method_is_409_key_reused(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    body = product_body(title="Route Tote")
    first = await post_product(client, shop, encode(body), key)
    assert first.status_code == 201
    patch = await client.patch(
        "/v1/products/route-tote",
        json={"title": "Hijacked"},
        headers={**auth(shop.secret_key), "Idempotency-Key": key},
    )
    assert_problem_code(patch, 409, "idempotency_key_reused")
    variant = {"sku": "ROUTE-1", "title": "Extra", "price": {"amount": 100, "currency": "GBP"}}
    added = await post_product(client, shop, encode(variant), key, path="/v1/products/route-tote/variants")
    assert_problem_code(added, 409, "idempotency_key_reused")
    product = await client.get("/v1/products/route-tote", headers=auth(shop.secret_key))
    assert product.json()["title"] == "Route Tote"
    assert len(product.json()["variants"]) == 2


async def test_keys_are_scoped_to_the_brand(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    key = "shared-key-1"
    raw_a = encode(product_body(title="Alpha Tote"))
    raw_b = encode(product_body(title="Beta Tote"))
    first_a = await post_product(client, a, raw_a, key)
    first_b = await post_product(client, b, raw_b, key)
    for response in (first_a, first_b):
        assert response.status_code == 201, response.text
        assert "idempotent-replayed" not in response.headers
    assert await handles(client, a) == ["alpha-tote"]
    assert await handles(client, b) == ["beta-tote"]
    # Each brand's retry replays its own first response.
    assert_replay_of(await post_product(client, a, raw_a, key), first_a)
    assert_replay_of(await post_product(client, b, raw_b, key), first_b)
    # The very same request under another brand's key is that brand's own first request.
    b_copy = await post_product(client, b, raw_a, key)
    assert_problem_code(b_copy, 409, "idempotency_key_reused")
    assert await handles(client, b) == ["beta-tote"]


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        pytest.param(lambda b: b["variants"][0]["price"].update(currency="EUR"), 422, "invalid_input", id="422"),
        pytest.param(lambda b: b.update(colour="red"), 422, "invalid_input", id="422-unknown-field"),
    ],
)
async def test_a_4xx_is_replayed_as_the_same_4xx(
    client: Client, shop: CreatedBrand, mutate: Any, status: int, code: str
) -> None:
    key = new_key()
    body = product_body(title="Faulty Tote")
    mutate(body)
    raw = encode(body)
    first = await post_product(client, shop, raw, key)
    assert_problem_code(first, status, code)
    assert "idempotent-replayed" not in first.headers
    replay = await post_product(client, shop, raw, key)
    assert_replay_of(replay, first)
    assert replay.headers["content-type"].split(";")[0] == PROBLEM_JSON
    assert await handles(client, shop) == []
    # The key is spent on that request: a corrected body needs a new key.
    fixed = await post_product(client, shop, encode(product_body(title="Faulty Tote")), key)
    assert_problem_code(fixed, 409, "idempotency_key_reused")
    assert await handles(client, shop) == []


async def test_a_409_is_replayed_even_after_the_conflict_is_gone(client: Client, shop: CreatedBrand) -> None:
    assert (await post_product(client, shop, encode(product_body(title="Taken Tote")), None)).status_code == 201
    key = new_key()
    raw = encode(product_body(title="Taken Tote"))
    first = await post_product(client, shop, raw, key)
    assert_problem_code(first, 409, "duplicate_handle")
    deleted = await client.delete("/v1/products/taken-tote", headers=auth(shop.secret_key))
    assert deleted.status_code == 204
    replay = await post_product(client, shop, raw, key)
    assert_replay_of(replay, first)
    assert await handles(client, shop) == []  # the retry did not run


async def test_patch_replay_does_not_run_again(client: Client, shop: CreatedBrand) -> None:
    assert (await post_product(client, shop, encode(product_body(title="Patch Tote")), None)).status_code == 201
    key = new_key()
    headers = {**auth(shop.secret_key), "Idempotency-Key": key}
    first = await client.patch("/v1/products/patch-tote", json={"title": "Patched Once"}, headers=headers)
    assert first.status_code == 200, first.text
    later = await client.patch(
        "/v1/products/patch-tote", json={"title": "Patched Later"}, headers=auth(shop.secret_key)
    )
    assert later.status_code == 200
    replay = await client.patch("/v1/products/patch-tote", json={"title": "Patched Once"}, headers=headers)
    assert_replay_of(replay, first)
    assert replay.json()["title"] == "Patched Once"
    current = await client.get("/v1/products/patch-tote", headers=auth(shop.secret_key))
    assert current.json()["title"] == "Patched Later"


async def test_delete_replay_is_the_first_204_not_a_404(client: Client, shop: CreatedBrand) -> None:
    assert (await post_product(client, shop, encode(product_body(title="Gone Tote")), None)).status_code == 201
    headers = {**auth(shop.secret_key), "Idempotency-Key": new_key()}
    first = await client.delete("/v1/products/gone-tote", headers=headers)
    assert first.status_code == 204
    replay = await client.delete("/v1/products/gone-tote", headers=headers)
    assert replay.status_code == 204
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.content == first.content == b""
    unkeyed = await client.delete("/v1/products/gone-tote", headers=auth(shop.secret_key))
    assert_problem_code(unkeyed, 404, "not_found")


async def test_refused_requests_do_not_spend_the_key(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    raw = encode(product_body(title="Patient Tote"))
    # Refused before the key is claimed: a publishable key, and an oversized body.
    refused = await client.post(
        "/v1/products",
        content=raw,
        headers={**auth(shop.publishable_key), "Content-Type": "application/json", "Idempotency-Key": key},
    )
    assert_problem_code(refused, 403, "permission_denied")
    huge = encode(product_body(title="Patient Tote", story="x" * (1024 * 1024 + 1)))
    assert_problem_code(await post_product(client, shop, huge, key), 413, "body_too_large")
    first = await post_product(client, shop, raw, key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert await handles(client, shop) == ["patient-tote"]


async def test_a_key_expires_after_24_hours(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    first = await post_product(client, shop, encode(product_body(title="Old Tote")), key)
    assert first.status_code == 201
    record = IdempotencyRecord.filter(brand_id=shop.brand.id, key=key)
    assert await record.count() == 1
    # Still within the retention: the key is held.
    await record.update(created_at=utcnow() - timedelta(hours=23))
    held = await post_product(client, shop, encode(product_body(title="New Tote")), key)
    assert_problem_code(held, 409, "idempotency_key_reused")
    await record.update(created_at=utcnow() - timedelta(hours=25))
    reused = await post_product(client, shop, encode(product_body(title="New Tote")), key)
    assert reused.status_code == 201, reused.text
    assert "idempotent-replayed" not in reused.headers
    assert await handles(client, shop) == ["old-tote", "new-tote"]


@pytest.mark.parametrize("attempts", [2, 5])
async def test_concurrent_requests_with_one_key_create_one_product(
    client: Client, shop: CreatedBrand, attempts: int
) -> None:
    key = new_key()
    raw = encode(product_body(title="Racing Tote"))
    responses = await asyncio.gather(*(post_product(client, shop, raw, key) for _ in range(attempts)))
    originals = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(originals) == 1, [(r.status_code, r.headers.get("idempotent-replayed"), r.text) for r in responses]
    first = originals[0]
    for response in responses:
        if response is first:
            continue
        if response.status_code == 409:
            assert_problem_code(response, 409, "idempotency_in_progress")
        else:
            assert_replay_of(response, first)
    assert await handles(client, shop) == ["racing-tote"]
    # Once settled, every retry is a replay.
    assert_replay_of(await post_product(client, shop, raw, key), first)


async def test_concurrent_different_bodies_with_one_key_run_at_most_once(client: Client, shop: CreatedBrand) -> None:
    key = new_key()
    bodies = [encode(product_body(title=f"Contender {i}")) for i in range(4)]
    responses = await asyncio.gather(*(post_product(client, shop, raw, key) for raw in bodies))
    created = [r for r in responses if r.status_code == 201]
    assert len(created) == 1, [r.text for r in responses]
    for response in responses:
        if response is not created[0]:
            assert response.status_code == 409
            assert response.json()["code"] in {"idempotency_key_reused", "idempotency_in_progress"}
    assert await handles(client, shop) == [created[0].json()["handle"]]
