"""Bad input at the HTTP edge.

Every refusal is a 4xx ``application/problem+json`` body (type, title, status, detail, code,
and ``errors`` naming the field at fault where one is), and every refusal changes nothing:
each test reads the brand's catalogue back through the API afterwards and compares.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar

from storefront.clock import utcnow
from storefront.tenancy import keys
from storefront.tenancy.models import ApiKey
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
PROBLEM_JSON = "application/problem+json"
MAX_BODY = 1024 * 1024  # Settings.max_body_bytes default, which the test app uses


# --- helpers ----------------------------------------------------------------------------------


def assert_problem(
    response: httpx.Response,
    status: int | Sequence[int],
    code: str | Sequence[str] | None = None,
    *,
    field: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """Check ``response`` is a well-formed problem; ``field`` (any of) must be among ``errors``."""
    statuses = (status,) if isinstance(status, int) else tuple(status)
    assert response.status_code in statuses, response.text
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM_JSON, response.headers
    problem = response.json()
    for name in ("type", "title", "detail", "code"):
        assert isinstance(problem.get(name), str), (name, problem)
        assert problem[name], (name, problem)
    assert problem["status"] == response.status_code
    assert problem["type"].endswith("/" + problem["code"]), problem
    if code is not None:
        codes = (code,) if isinstance(code, str) else tuple(code)
        assert problem["code"] in codes, problem
    errors = problem.get("errors", [])
    assert isinstance(errors, list)
    for error in errors:
        assert isinstance(error["field"], str) and error["field"], error
        assert isinstance(error["message"], str) and error["message"], error
    if field is not None:
        wanted = (field,) if isinstance(field, str) else tuple(field)
        fields = [e["field"] for e in errors]
        assert any(f in wanted for f in fields), f"expected one of {wanted} in errors, got {fields}"
    return problem  # type: ignore[no-any-return]


def set_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``body`` with the dotted ``path`` (``variants.0.price.amount``) set to ``value``."""
    out = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


def drop_path(body: dict[str, Any], path: str) -> dict[str, Any]:
    out = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]
    return out


async def list_all(client: Client, key: str) -> list[dict[str, Any]]:
    """Every product summary the key can see, walking the cursor."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = await client.get("/v1/products", params=params, headers=auth(key))
        assert page.status_code == 200, page.text
        items.extend(page.json()["data"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("pagination did not end")


@dataclass
class Shop:
    """A brand with one product, and a snapshot of its whole catalogue as the API shows it."""

    brand: CreatedBrand
    handle: str
    sku: str
    body: dict[str, Any]

    @property
    def sk(self) -> dict[str, str]:
        return auth(self.brand.secret_key)

    @property
    def pk(self) -> dict[str, str]:
        return auth(self.brand.publishable_key)


async def snapshot(client: Client, shop: Shop) -> dict[str, Any]:
    summaries = await list_all(client, shop.brand.secret_key)
    products = {}
    for summary in summaries:
        read = await client.get(f"/v1/products/{summary['handle']}", headers=shop.sk)
        assert read.status_code == 200, read.text
        products[summary["handle"]] = read.json()
    brand = await client.get("/v1/brand", headers=shop.sk)
    assert brand.status_code == 200, brand.text
    return {"summaries": summaries, "products": products, "brand": brand.json()}


@pytest.fixture
async def shop(client: Client, make_brand: MakeBrand) -> Shop:
    brand = await make_brand(currency="GBP", allowed_origins=["https://shop.example"])
    body = product_body(title="Existing Tote", length_mm=300)
    created = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert created.status_code == 201, created.text
    return Shop(brand=brand, handle=created.json()["handle"], sku=body["variants"][0]["sku"], body=body)


@pytest.fixture
async def before(client: Client, shop: Shop) -> dict[str, Any]:
    state = await snapshot(client, shop)
    assert len(state["summaries"]) == 1
    return state


async def assert_unchanged(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    after = await snapshot(client, shop)
    assert after == before


# --- wrong types and out-of-range values ------------------------------------------------------

WRONG_VALUES = [
    pytest.param("variants.0.price.amount", "125.00", "body.variants[0].price.amount", id="price-decimal-string"),
    pytest.param("variants.0.price.amount", "12500", "body.variants[0].price.amount", id="price-digit-string"),
    pytest.param("variants.0.price.amount", 125.5, "body.variants[0].price.amount", id="price-amount-fraction"),
    pytest.param("variants.0.price.amount", -1, "body.variants[0].price.amount", id="price-amount-negative"),
    pytest.param("variants.0.price.amount", None, "body.variants[0].price.amount", id="price-amount-null"),
    pytest.param("variants.0.price", 12500, "body.variants[0].price", id="price-bare-number"),
    pytest.param("variants.0.price.currency", "gbp", "body.variants[0].price.currency", id="currency-lowercase"),
    pytest.param("dimensions.length_mm", -5, "body.dimensions.length_mm", id="dimension-negative"),
    pytest.param("dimensions.width_mm", 0, "body.dimensions.width_mm", id="dimension-zero"),
    pytest.param("dimensions.height_mm", 3001, "body.dimensions.height_mm", id="dimension-too-large"),
    pytest.param("dimensions.height_mm", "120", "body.dimensions.height_mm", id="dimension-string"),
    pytest.param("dimensions", [180, 90, 120], "body.dimensions", id="dimensions-array"),
    pytest.param("variants.0.weight_g", -1, "body.variants[0].weight_g", id="weight-negative"),
    pytest.param("variants.0.weight_g", 50_001, "body.variants[0].weight_g", id="weight-too-heavy"),
    pytest.param("variants.0.weight_g", 1.5, "body.variants[0].weight_g", id="weight-fraction"),
    pytest.param("materials.0.share_pct", 0, "body.materials[0].share_pct", id="share-zero"),
    pytest.param("materials.0.share_pct", 101, "body.materials[0].share_pct", id="share-over-100"),
    pytest.param("materials.0.share_pct", "85", "body.materials[0].share_pct", id="share-string"),
    pytest.param("repairability.modularity", 11, "body.repairability.modularity", id="repair-score-11"),
    pytest.param("repairability.documentation", -1, "body.repairability.documentation", id="repair-score-negative"),
    pytest.param("made_to_order", "yes", "body.made_to_order", id="bool-as-word"),
    pytest.param("variants", [], "body.variants", id="variants-empty"),
    pytest.param("variants", {"sku": "X"}, "body.variants", id="variants-object"),
    pytest.param("title", "", "body.title", id="title-empty"),
    pytest.param("title", 42, "body.title", id="title-number"),
    pytest.param("category", "Mini Backpack", "body.category", id="category-not-a-slug"),
    pytest.param("handle", "Not A Handle", "body.handle", id="handle-not-a-slug"),
    pytest.param("images.0.url", "javascript:alert(1)", "body.images[0].url", id="image-url-scheme"),
    pytest.param("materials.0.country", "it", "body.materials[0].country", id="country-lowercase"),
    pytest.param("provenance.0.stage", "smelting", "body.provenance[0].stage", id="stage-unknown"),
    pytest.param("variants.0.sku", "has space", "body.variants[0].sku", id="sku-with-space"),
    pytest.param("variants.0.options", {"Colour": "tan"}, "body.variants[0].options", id="option-name-capital"),
]


@pytest.mark.parametrize(("path", "value", "field"), WRONG_VALUES)
async def test_create_with_a_wrong_value_is_422_naming_the_field(
    client: Client, shop: Shop, before: dict[str, Any], path: str, value: Any, field: str
) -> None:
    body = set_path(product_body(title="Refused Bag"), path, value)
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field=field)
    assert (await client.get("/v1/products/refused-bag", headers=shop.sk)).status_code == 404
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        pytest.param(
            {"dimensions": {"length_mm": -1, "width_mm": 90, "height_mm": 120}},
            "body.dimensions.length_mm",
            id="dimension-negative",
        ),
        pytest.param({"title": ""}, "body.title", id="title-empty"),
        pytest.param({"made_to_order": "yes"}, "body.made_to_order", id="bool-as-word"),
        pytest.param(
            {"materials": [{"material": "Leather", "share_pct": 0}]}, "body.materials[0].share_pct", id="share-zero"
        ),
        pytest.param(
            {"repairability": {"parts_availability": 11, "modularity": 1, "ease_of_repair": 1, "documentation": 1}},
            "body.repairability.parts_availability",
            id="repair-score-11",
        ),
    ],
)
async def test_patch_with_a_wrong_value_is_422_and_changes_nothing(
    client: Client, shop: Shop, before: dict[str, Any], patch: dict[str, Any], field: str
) -> None:
    response = await client.patch(f"/v1/products/{shop.handle}", json=patch, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field=field)
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        pytest.param({"price": {"amount": "99.00", "currency": "GBP"}}, "body.price.amount", id="price-string"),
        pytest.param({"price": {"amount": -5, "currency": "GBP"}}, "body.price.amount", id="price-negative"),
        pytest.param({"weight_g": -10}, "body.weight_g", id="weight-negative"),
        pytest.param({"title": ""}, "body.title", id="title-empty"),
    ],
)
async def test_variant_patch_with_a_wrong_value_is_422_and_changes_nothing(
    client: Client, shop: Shop, before: dict[str, Any], patch: dict[str, Any], field: str
) -> None:
    response = await client.patch(f"/v1/products/{shop.handle}/variants/{shop.sku}", json=patch, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field=field)
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [
        pytest.param("receive", "5", id="quantity-string"),
        pytest.param("receive", 2.5, id="quantity-fraction"),
        pytest.param("receive", 0, id="receive-zero"),
        pytest.param("receive", -3, id="receive-negative"),
        pytest.param("return", 0, id="return-zero"),
        pytest.param("adjust", 0, id="adjust-zero"),
        pytest.param("receive", 1_000_001, id="quantity-too-large"),
        pytest.param("receive", None, id="quantity-null"),
    ],
)
async def test_stock_movement_with_a_bad_quantity_is_422_and_moves_nothing(
    client: Client, shop: Shop, kind: str, quantity: Any
) -> None:
    location = await client.post(
        "/v1/locations",
        json={"name": f"Depot {uuid.uuid4().hex[:6]}", "kind": "warehouse", "timezone": "Europe/London"},
        headers=shop.sk,
    )
    assert location.status_code == 201, location.text
    handle = location.json()["handle"]
    response = await client.post(
        "/v1/stock/movements",
        json={"sku": shop.sku, "location": handle, "kind": kind, "quantity": quantity},
        headers=shop.sk,
    )
    assert_problem(response, 422, "invalid_input", field="body.quantity")
    levels = await client.get("/v1/stock", params={"sku": shop.sku}, headers=shop.sk)
    assert levels.status_code == 200, levels.text
    assert levels.json()["data"] == []
    movements = await client.get("/v1/stock/movements", params={"sku": shop.sku}, headers=shop.sk)
    assert movements.json()["data"] == []
    product = await client.get(f"/v1/products/{shop.handle}", headers=shop.sk)
    assert product.json()["in_stock"] is False


# --- unknown and missing fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name", "fields"),
    [
        pytest.param("colour", "colour", ("body", "body.colour"), id="top-level"),
        pytest.param("variants.0.colour", "colour", ("body.variants[0]", "body.variants[0].colour"), id="in-variant"),
        pytest.param(
            "dimensions.depth_mm", "depth_mm", ("body.dimensions", "body.dimensions.depth_mm"), id="in-dimensions"
        ),
        pytest.param(
            "variants.1.price.tax", "tax", ("body.variants[1].price", "body.variants[1].price.tax"), id="in-price"
        ),
        pytest.param(
            "repairability.warranty_years",
            "warranty_years",
            ("body.repairability", "body.repairability.warranty_years"),
            id="in-repairability",
        ),
    ],
)
async def test_unknown_field_is_refused_naming_it(
    client: Client, shop: Shop, before: dict[str, Any], path: str, name: str, fields: tuple[str, ...]
) -> None:
    body = set_path(product_body(title="Refused Bag"), path, "surprise")
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field=fields)
    assert any(name in e["field"] or name in e["message"] for e in problem["errors"]), problem
    await assert_unchanged(client, shop, before)


async def test_unknown_field_on_patch_cannot_rename_the_product(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    response = await client.patch(f"/v1/products/{shop.handle}", json={"handle": "renamed"}, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field=("body", "body.handle"))
    assert any("handle" in e["field"] or "handle" in e["message"] for e in problem["errors"])
    assert (await client.get("/v1/products/renamed", headers=shop.sk)).status_code == 404
    await assert_unchanged(client, shop, before)


async def test_unknown_field_on_brand_patch_cannot_change_the_currency(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    response = await client.patch("/v1/brand", json={"name": "Renamed", "currency": "EUR"}, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field=("body", "body.currency"))
    assert any("currency" in e["field"] or "currency" in e["message"] for e in problem["errors"])
    await assert_unchanged(client, shop, before)
    assert before["brand"]["currency"] == "GBP"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        pytest.param("title", ("body", "body.title"), id="title"),
        pytest.param("category", ("body", "body.category"), id="category"),
        pytest.param("dimensions", ("body", "body.dimensions"), id="dimensions"),
        pytest.param("variants", ("body", "body.variants"), id="variants"),
        pytest.param("variants.0.price", ("body.variants[0]", "body.variants[0].price"), id="variant-price"),
        pytest.param("variants.0.sku", ("body.variants[0]", "body.variants[0].sku"), id="variant-sku"),
        pytest.param(
            "variants.1.price.currency",
            ("body.variants[1].price", "body.variants[1].price.currency"),
            id="price-currency",
        ),
        pytest.param("dimensions.width_mm", ("body.dimensions", "body.dimensions.width_mm"), id="dimension"),
        pytest.param("materials.0.share_pct", ("body.materials[0]", "body.materials[0].share_pct"), id="share"),
    ],
)
async def test_missing_required_field_is_422_naming_it(
    client: Client, shop: Shop, before: dict[str, Any], path: str, fields: tuple[str, ...]
) -> None:
    body = drop_path(product_body(title="Refused Bag"), path)
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field=fields)
    name = path.split(".")[-1]
    assert any(name in e["field"] or name in e["message"] for e in problem["errors"]), problem
    await assert_unchanged(client, shop, before)


# --- malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"title": ', id="truncated"),
        pytest.param(b"not json at all", id="not-json"),
        pytest.param(b'{"title": "x",}', id="trailing-comma"),
        pytest.param(b"{'title': 'x'}", id="single-quotes"),
        pytest.param(b"\xff\xfe\x00", id="binary"),
    ],
)
async def test_invalid_json_is_400(client: Client, shop: Shop, before: dict[str, Any], raw: bytes) -> None:
    response = await client.post("/v1/products", content=raw, headers={**shop.sk, "Content-Type": "application/json"})
    assert_problem(response, 400)
    await assert_unchanged(client, shop, before)


async def test_empty_body_is_refused_with_a_readable_problem(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    response = await client.post("/v1/products", content=b"", headers={**shop.sk, "Content-Type": "application/json"})
    problem = assert_problem(response, (400, 422))
    # The detail is for people: not the repr of an internal KeyError, nor the handler's parameter name.
    assert "'data'" not in problem["detail"], problem
    assert all(not e["field"].startswith("body.data") for e in problem.get("errors", [])), problem
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'"a string"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"42", id="number"),
    ],
)
async def test_body_that_is_not_an_object_is_422_at_the_body(
    client: Client, shop: Shop, before: dict[str, Any], raw: bytes
) -> None:
    response = await client.post("/v1/products", content=raw, headers={**shop.sk, "Content-Type": "application/json"})
    assert_problem(response, 422, "invalid_input", field="body")
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize("idempotency_key", [None, "oversized-body-1"], ids=["plain", "with-idempotency-key"])
async def test_oversized_body_is_413(
    client: Client, shop: Shop, before: dict[str, Any], idempotency_key: str | None
) -> None:
    body = product_body(title="Huge Story Bag", story="x" * (MAX_BODY + 16))
    raw = json.dumps(body).encode()
    assert len(raw) > MAX_BODY
    headers = {**shop.sk, "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = await client.post("/v1/products", content=raw, headers=headers)
    assert_problem(response, 413, "body_too_large")
    assert (await client.get("/v1/products/huge-story-bag", headers=shop.sk)).status_code == 404
    await assert_unchanged(client, shop, before)


async def test_body_just_under_the_limit_is_read_not_refused_for_size(client: Client, shop: Shop) -> None:
    body = product_body(title="Big Story Bag", story="")
    padding = MAX_BODY - len(json.dumps(body).encode()) - 64
    body["story"] = "y" * padding
    raw = json.dumps(body).encode()
    assert MAX_BODY - 100 < len(raw) <= MAX_BODY
    response = await client.post("/v1/products", content=raw, headers={**shop.sk, "Content-Type": "application/json"})
    # Read and validated (the story is too long for the schema), so a 422, not a 413.
    assert_problem(response, 422, "invalid_input", field="body.story")


# --- authentication and authorisation ---------------------------------------------------------


def assert_unauthenticated(response: httpx.Response) -> None:
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_no_key_is_401_with_www_authenticate(
    client: Client, shop: Shop, before: dict[str, Any], method: str
) -> None:
    body = product_body(title="Anonymous Bag")
    response = await client.request(method, "/v1/products", json=body if method == "POST" else None)
    assert_unauthenticated(response)
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer not-a-key", id="garbage"),
        pytest.param("Bearer ", id="empty-token"),
        pytest.param("Bearer sk_short", id="too-short"),
        pytest.param("Bearer sk_" + "a" * 42 + "!", id="bad-character"),
        pytest.param("Bearer xk_" + "a" * 43, id="unknown-prefix"),
        pytest.param("Basic dXNlcjpwYXNzd29yZA==", id="basic-scheme"),
        pytest.param("Token sk_" + "a" * 43, id="other-scheme"),
    ],
)
async def test_malformed_key_is_401(client: Client, shop: Shop, before: dict[str, Any], authorization: str) -> None:
    for method in ("GET", "POST"):
        response = await client.request(
            method,
            "/v1/products",
            json=product_body(title="Malformed Bag") if method == "POST" else None,
            headers={"Authorization": authorization},
        )
        assert_unauthenticated(response)
    await assert_unchanged(client, shop, before)


async def test_key_without_scheme_is_401(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    response = await client.post("/v1/products", json=product_body(), headers={"Authorization": shop.brand.secret_key})
    assert_unauthenticated(response)
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize("prefix", ["sk_", "pk_"])
async def test_well_formed_unknown_key_is_401(client: Client, shop: Shop, before: dict[str, Any], prefix: str) -> None:
    unknown = keys.generate("secret" if prefix == "sk_" else "publishable")
    assert keys.looks_like_key(unknown)
    response = await client.get("/v1/products", headers=auth(unknown))
    assert_unauthenticated(response)
    response = await client.post("/v1/products", json=product_body(), headers=auth(unknown))
    assert_unauthenticated(response)
    await assert_unchanged(client, shop, before)


async def test_revoked_key_is_401(client: Client, make_brand: MakeBrand, app: Litestar) -> None:
    """Revocation happens outside the API (another process), so it shows within the resolver's ttl."""
    brand = await make_brand()
    assert (await client.get("/v1/brand", headers=auth(brand.secret_key))).status_code == 200
    await ApiKey.filter(key_hash=keys.hash_key(brand.secret_key)).update(revoked_at=utcnow())
    ttl = app.state["principals"].ttl
    deadline = time.monotonic() + ttl + 1.0
    while True:
        response = await client.get("/v1/brand", headers=auth(brand.secret_key))
        if response.status_code != 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert_unauthenticated(response)
    assert_unauthenticated(await client.post("/v1/products", json=product_body(), headers=auth(brand.secret_key)))
    # The brand's other key is unaffected.
    assert (await client.get("/v1/products", headers=auth(brand.publishable_key))).status_code == 200
    assert await list_all(client, brand.publishable_key) == []


async def test_key_in_query_string_is_for_publishable_reads_only(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    read = await client.get("/v1/products", params={"key": shop.brand.publishable_key})
    assert read.status_code == 200, read.text
    assert [p["handle"] for p in read.json()["data"]] == [shop.handle]
    # A secret key never travels in a URL.
    assert_unauthenticated(await client.get("/v1/products", params={"key": shop.brand.secret_key}))
    # And a query key never authorises a write.
    write = await client.post(
        "/v1/products", params={"key": shop.brand.publishable_key}, json=product_body(title="Query Bag")
    )
    assert_unauthenticated(write)
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("POST", "/v1/products", product_body(title="Public Bag"), id="create-product"),
        pytest.param("PATCH", "/v1/products/{handle}", {"title": "Defaced"}, id="patch-product"),
        pytest.param("DELETE", "/v1/products/{handle}", None, id="delete-product"),
        pytest.param("POST", "/v1/products/{handle}/variants", product_body()["variants"][0], id="add-variant"),
        pytest.param("PATCH", "/v1/products/{handle}/variants/{sku}", {"title": "Defaced"}, id="patch-variant"),
        pytest.param("DELETE", "/v1/products/{handle}/variants/{sku}", None, id="delete-variant"),
        pytest.param("PATCH", "/v1/brand", {"name": "Defaced"}, id="patch-brand"),
        pytest.param(
            "POST",
            "/v1/locations",
            {"name": "Shed", "kind": "warehouse", "timezone": "Europe/London"},
            id="create-location",
        ),
    ],
)
async def test_publishable_key_cannot_write(
    client: Client, shop: Shop, before: dict[str, Any], method: str, path: str, body: dict[str, Any] | None
) -> None:
    url = path.format(handle=shop.handle, sku=shop.sku)
    response = await client.request(method, url, json=body, headers=shop.pk)
    assert_problem(response, 403, "permission_denied")
    await assert_unchanged(client, shop, before)
    locations = await client.get("/v1/locations", headers=shop.sk)
    assert locations.json()["data"] == []


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://shop.example",  # scheme differs
        "https://shop.example:8443",  # port differs
        "https://shop.example.evil.example",  # suffix trick
        "https://SHOP.example.evil",
        "null",
    ],
)
async def test_publishable_key_from_a_foreign_origin_is_403(client: Client, shop: Shop, origin: str) -> None:
    for path in ("/v1/products", f"/v1/products/{shop.handle}", "/v1/brand"):
        response = await client.get(path, headers={**shop.pk, "Origin": origin})
        problem = assert_problem(response, 403, "origin_not_allowed")
        assert "data" not in problem and "variants" not in problem and "name" not in problem


async def test_publishable_key_from_an_allowed_origin_or_no_origin_reads(client: Client, shop: Shop) -> None:
    for headers in ({**shop.pk, "Origin": "https://shop.example"}, shop.pk):
        listing = await client.get("/v1/products", headers=headers)
        assert listing.status_code == 200, listing.text
        assert [p["handle"] for p in listing.json()["data"]] == [shop.handle]
        product = await client.get(f"/v1/products/{shop.handle}", headers=headers)
        assert product.status_code == 200
        assert product.json()["handle"] == shop.handle


async def test_publishable_key_from_an_allowed_origin_still_cannot_write(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/products", json=product_body(), headers={**shop.pk, "Origin": "https://shop.example"}
    )
    assert_problem(response, 403, "permission_denied")
    await assert_unchanged(client, shop, before)


# --- Idempotency-Key shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"k" * 300, id="300-chars"),
        pytest.param(b"k" * 256, id="256-chars"),
        pytest.param(b"has space", id="space"),
        pytest.param(b"", id="empty"),
        pytest.param(b"caf\xe9", id="non-ascii"),
        pytest.param(b"tab\tinside", id="tab"),
    ],
)
async def test_malformed_idempotency_key_is_400(client: Client, shop: Shop, before: dict[str, Any], key: bytes) -> None:
    body = json.dumps(product_body(title="Keyed Bag")).encode()
    headers = [
        (b"authorization", f"Bearer {shop.brand.secret_key}".encode()),
        (b"content-type", b"application/json"),
        (b"idempotency-key", key),
    ]
    response = await client.post("/v1/products", content=body, headers=headers)
    assert_problem(response, 400, "invalid_idempotency_key", field="header.idempotency-key")
    assert (await client.get("/v1/products/keyed-bag", headers=shop.sk)).status_code == 404
    await assert_unchanged(client, shop, before)


async def test_idempotency_key_of_255_visible_characters_is_accepted(client: Client, shop: Shop) -> None:
    key = "".join(chr(c) for c in range(0x21, 0x7F)) * 3  # every visible ASCII character
    key = key[:255]
    response = await client.post(
        "/v1/products", json=product_body(title="Long Key Bag"), headers={**shop.sk, "Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    assert len(await list_all(client, shop.brand.secret_key)) == 2


# --- query parameters -------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("abc", id="short"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param(_b64(b"x" * 15), id="15-bytes"),
        pytest.param(_b64(b"x" * 17), id="17-bytes"),
        pytest.param("a" * 65, id="too-long"),
    ],
)
async def test_bad_cursor_is_422(client: Client, shop: Shop, cursor: str) -> None:
    response = await client.get("/v1/products", params={"cursor": cursor}, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field="query.cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "101", "1000", "abc", "1.5"])
async def test_limit_out_of_range_is_refused(client: Client, shop: Shop, limit: str) -> None:
    response = await client.get("/v1/products", params={"limit": limit}, headers=shop.sk)
    problem = assert_problem(response, (400, 422))
    assert "limit" in json.dumps(problem)


@pytest.mark.parametrize(
    ("name", "value"),
    [("limit", "0"), ("limit", "1000"), ("size_class", "huge"), ("in_stock", "maybe"), ("cursor", "a" * 65)],
)
async def test_query_parameter_errors_name_the_parameter_as_query_dot_name(
    client: Client, shop: Shop, name: str, value: str
) -> None:
    """Field paths are ``query.<name>``, as the cursor's own error is, not an enum's repr."""
    response = await client.get("/v1/products", params={name: value}, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field=f"query.{name}")


@pytest.mark.parametrize(("name", "value"), [("size_class", "huge"), ("in_stock", "maybe"), ("category", "x" * 41)])
async def test_bad_filter_value_is_refused(client: Client, shop: Shop, name: str, value: str) -> None:
    response = await client.get("/v1/products", params={name: value}, headers=shop.sk)
    assert_problem(response, (400, 422), "invalid_input")


async def test_limit_bounds_are_inclusive(client: Client, shop: Shop) -> None:
    for limit in (1, 100):
        response = await client.get("/v1/products", params={"limit": limit}, headers=shop.sk)
        assert response.status_code == 200, response.text
        assert [p["handle"] for p in response.json()["data"]] == [shop.handle]


# --- routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nope"),
        ("GET", "/nope"),
        ("POST", "/v1/products/{handle}/nope"),
        ("GET", "/v2/products"),
        ("GET", "/v1/products/{handle}/variants/{sku}/extra"),
    ],
)
async def test_unknown_route_is_404_problem(client: Client, shop: Shop, method: str, path: str) -> None:
    url = path.format(handle=shop.handle, sku=shop.sku)
    for headers in (shop.sk, {}):
        response = await client.request(method, url, headers=headers)
        assert_problem(response, 404, "not_found")


async def test_missing_product_is_404_problem(client: Client, shop: Shop) -> None:
    response = await client.get("/v1/products/no-such-bag", headers=shop.sk)
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/products/{handle}", "PATCH"),
        ("POST", "/v1/products/{handle}", "PATCH"),
        ("DELETE", "/v1/products", "POST"),
        ("PUT", "/v1/products", "POST"),
        ("POST", "/v1/brand", "PATCH"),
        ("DELETE", "/v1/brand", "PATCH"),
    ],
)
async def test_wrong_method_is_405_problem_with_allow(
    client: Client, shop: Shop, before: dict[str, Any], method: str, path: str, allowed: str
) -> None:
    url = path.format(handle=shop.handle)
    response = await client.request(method, url, json={"title": "x"}, headers=shop.sk)
    assert_problem(response, 405, "method_not_allowed")
    allow = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed in allow and "GET" in allow
    assert method not in allow
    await assert_unchanged(client, shop, before)


# --- domain rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("variants.0.price.currency", "body.variants[0].price.currency"),
        ("variants.1.price.currency", "body.variants[1].price.currency"),
        ("variants.1.compare_at_price.currency", "body.variants[1].compare_at_price.currency"),
    ],
)
async def test_price_in_another_currency_is_422_naming_the_field(
    client: Client, shop: Shop, before: dict[str, Any], path: str, field: str
) -> None:
    body = set_path(product_body(title="Euro Bag", currency="GBP"), path, "EUR")
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field=field)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "GBP" in problem["errors"][0]["message"]
    await assert_unchanged(client, shop, before)


async def test_every_foreign_currency_price_is_listed(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    body = product_body(title="Euro Bag", currency="EUR")
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input")
    assert sorted(e["field"] for e in problem["errors"]) == [
        "body.variants[0].price.currency",
        "body.variants[1].compare_at_price.currency",
        "body.variants[1].price.currency",
    ]
    await assert_unchanged(client, shop, before)


async def test_foreign_currency_on_variant_add_and_patch_is_422(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    new_variant = {"sku": "EURO-1", "title": "Euro", "price": {"amount": 100, "currency": "EUR"}}
    added = await client.post(f"/v1/products/{shop.handle}/variants", json=new_variant, headers=shop.sk)
    assert_problem(added, 422, "invalid_input", field="body.price.currency")
    patched = await client.patch(
        f"/v1/products/{shop.handle}/variants/{shop.sku}",
        json={"price": {"amount": 100, "currency": "USD"}},
        headers=shop.sk,
    )
    assert_problem(patched, 422, "invalid_input", field="body.price.currency")
    await assert_unchanged(client, shop, before)


async def test_a_eur_brand_prices_in_eur(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand(currency="EUR")
    created = await client.post(
        "/v1/products", json=product_body(title="Euro Bag", currency="EUR"), headers=auth(brand.secret_key)
    )
    assert created.status_code == 201, created.text
    assert created.json()["price_from"] == {"amount": 12_500, "currency": "EUR"}
    refused = await client.post(
        "/v1/products", json=product_body(title="Pound Bag", currency="GBP"), headers=auth(brand.secret_key)
    )
    assert_problem(refused, 422, "invalid_input", field="body.variants[0].price.currency")
    assert [p["handle"] for p in await list_all(client, brand.secret_key)] == ["euro-bag"]


@pytest.mark.parametrize("shares", [[85, 10], [85, 30], [50], [99], [60, 60]])
async def test_material_shares_must_sum_to_100(
    client: Client, shop: Shop, before: dict[str, Any], shares: list[int]
) -> None:
    materials = [{"material": f"Material {i}", "share_pct": share} for i, share in enumerate(shares)]
    body = product_body(title="Odd Mix Bag", materials=materials)
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 422, "invalid_input", field="body.materials")
    assert str(sum(shares)) in problem["detail"]
    patched = await client.patch(f"/v1/products/{shop.handle}", json={"materials": materials}, headers=shop.sk)
    assert_problem(patched, 422, "invalid_input", field="body.materials")
    await assert_unchanged(client, shop, before)


async def test_duplicate_handle_is_409(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    same_title = product_body(title="Existing Tote")  # slugifies to the existing handle
    response = await client.post("/v1/products", json=same_title, headers=shop.sk)
    assert_problem(response, 409, "duplicate_handle")
    explicit = product_body(title="Another Name", handle=shop.handle)
    response = await client.post("/v1/products", json=explicit, headers=shop.sk)
    assert_problem(response, 409, "duplicate_handle")
    await assert_unchanged(client, shop, before)
    # The refused products' SKUs are free: nothing of theirs was left behind.
    retry = product_body(title="Renamed Tote", sku=same_title["variants"][0]["sku"])
    retry["variants"][1]["sku"] = same_title["variants"][1]["sku"]
    assert (await client.post("/v1/products", json=retry, headers=shop.sk)).status_code == 201


async def test_duplicate_sku_in_the_brand_is_409_naming_the_sku(
    client: Client, shop: Shop, before: dict[str, Any]
) -> None:
    body = product_body(title="Copycat Bag", sku=shop.sku)
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    problem = assert_problem(response, 409)
    assert "sku" in problem["detail"].lower(), problem
    added = await client.post(
        f"/v1/products/{shop.handle}/variants",
        json={"sku": shop.sku, "title": "Again", "price": {"amount": 1, "currency": "GBP"}},
        headers=shop.sk,
    )
    problem = assert_problem(added, 409)
    assert "sku" in problem["detail"].lower(), problem
    await assert_unchanged(client, shop, before)


async def test_duplicate_sku_within_one_body_is_422(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    body = product_body(title="Twin Bag")
    body["variants"][1]["sku"] = body["variants"][0]["sku"]
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field="body.variants")
    await assert_unchanged(client, shop, before)


@pytest.mark.parametrize("compare_at", [12_500, 12_499, 0])
async def test_compare_at_price_must_be_above_the_price(
    client: Client, shop: Shop, before: dict[str, Any], compare_at: int
) -> None:
    body = product_body(title="Sale Bag", price=12_500)
    body["variants"][0]["compare_at_price"] = {"amount": compare_at, "currency": "GBP"}
    response = await client.post("/v1/products", json=body, headers=shop.sk)
    assert_problem(response, 422, "invalid_input", field="body.variants[0].compare_at_price.amount")
    await assert_unchanged(client, shop, before)


async def test_compare_at_price_rule_holds_on_variant_patch(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    black = shop.body["variants"][1]  # price 13_500, compare at 15_500
    url = f"/v1/products/{shop.handle}/variants/{black['sku']}"
    for patch in (
        {"compare_at_price": {"amount": 13_500, "currency": "GBP"}},  # equal to the stored price
        {"price": {"amount": 15_500, "currency": "GBP"}},  # raises the price to the stored compare-at
        {"price": {"amount": 20_000, "currency": "GBP"}, "compare_at_price": {"amount": 19_999, "currency": "GBP"}},
    ):
        response = await client.patch(url, json=patch, headers=shop.sk)
        assert_problem(response, 422, "invalid_input", field="body.compare_at_price.amount")
    await assert_unchanged(client, shop, before)


async def test_last_variant_cannot_be_deleted(client: Client, shop: Shop, before: dict[str, Any]) -> None:
    first, second = (v["sku"] for v in shop.body["variants"])
    deleted = await client.delete(f"/v1/products/{shop.handle}/variants/{first}", headers=shop.sk)
    assert deleted.status_code == 200, deleted.text
    last = await client.delete(f"/v1/products/{shop.handle}/variants/{second}", headers=shop.sk)
    assert_problem(last, 422, "invalid_input", field="path.sku")
    product = await client.get(f"/v1/products/{shop.handle}", headers=shop.sk)
    assert [v["sku"] for v in product.json()["variants"]] == [second]
