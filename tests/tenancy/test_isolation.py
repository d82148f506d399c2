"""Tenancy: a brand's keys reach only that brand's data, and another brand's objects do not exist.

Another brand's product is a 404, never a 403: a 403 would confirm that the handle exists.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient


async def create(client: Client, brand: CreatedBrand, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/products", json=product_body(**fields), headers=auth(brand.secret_key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def list_all(client: Client, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/products", params=query, headers=auth(key))
        assert page.status_code == 200, page.text
        items.extend(page.json()["data"])
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    assert response.json()["code"] == "not_found"


@pytest.fixture
async def two_brands(client: Client, make_brand: MakeBrand) -> tuple[CreatedBrand, CreatedBrand, dict[str, Any]]:
    a = await make_brand(name=None)
    b = await make_brand(name=None)
    product = await create(client, a, title="Alpha Satchel", sku="ALPHA-SATCHEL-TAN")
    return a, b, product


VARIANT_BODY = {"sku": "INTRUDER-1", "title": "Intruder", "price": {"amount": 100, "currency": "GBP"}}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("PATCH", "/v1/products/{handle}", {"title": "Stolen"}, id="patch-product"),
        pytest.param("DELETE", "/v1/products/{handle}", None, id="delete-product"),
        pytest.param("POST", "/v1/products/{handle}/variants", VARIANT_BODY, id="add-variant"),
        pytest.param("PATCH", "/v1/products/{handle}/variants/{sku}", {"title": "Stolen"}, id="patch-variant"),
        pytest.param(
            "PATCH",
            "/v1/products/{handle}/variants/{sku}",
            {"price": {"amount": 1, "currency": "GBP"}},
            id="patch-variant-price",
        ),
        pytest.param("DELETE", "/v1/products/{handle}/variants/{sku}", None, id="delete-variant"),
    ],
)
async def test_another_brands_product_is_404_for_writes(
    client: Client,
    two_brands: tuple[CreatedBrand, CreatedBrand, dict[str, Any]],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    a, b, product = two_brands
    before = await client.get(f"/v1/products/{product['handle']}", headers=auth(a.secret_key))
    url = path.format(handle=product["handle"], sku=product["variants"][0]["sku"])
    response = await client.request(method, url, json=body, headers=auth(b.secret_key))
    assert_not_found(response)
    assert "Alpha Satchel" not in response.text
    after = await client.get(f"/v1/products/{product['handle']}", headers=auth(a.secret_key))
    assert after.status_code == 200
    assert after.json() == before.json()
    assert await list_all(client, b.secret_key) == []


@pytest.mark.parametrize("key_kind", ["publishable", "secret"])
async def test_another_brands_product_is_404_for_reads(
    client: Client, two_brands: tuple[CreatedBrand, CreatedBrand, dict[str, Any]], key_kind: str
) -> None:
    a, b, product = two_brands
    key = b.publishable_key if key_kind == "publishable" else b.secret_key
    # Warm A's cache first, so a cache keyed without the brand would leak.
    assert (await client.get(f"/v1/products/{product['handle']}", headers=auth(a.publishable_key))).status_code == 200
    response = await client.get(f"/v1/products/{product['handle']}", headers=auth(key))
    assert_not_found(response)
    assert product["id"] not in response.text
    # Also through the query-string key that embedded components use.
    if key_kind == "publishable":
        assert_not_found(await client.get(f"/v1/products/{product['handle']}", params={"key": key}))


async def test_404_for_another_brand_is_indistinguishable_from_a_missing_product(
    client: Client, two_brands: tuple[CreatedBrand, CreatedBrand, dict[str, Any]]
) -> None:
    _, b, product = two_brands
    theirs = await client.patch(f"/v1/products/{product['handle']}", json={"title": "x"}, headers=auth(b.secret_key))
    missing = await client.patch("/v1/products/no-such-satchel", json={"title": "x"}, headers=auth(b.secret_key))
    assert theirs.status_code == missing.status_code == 404
    shape = {k: v for k, v in theirs.json().items() if k not in {"detail", "instance"}}
    assert shape == {k: v for k, v in missing.json().items() if k not in {"detail", "instance"}}


async def test_product_list_never_shows_another_brands_products(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    a_ids = {(await create(client, a, title=f"Alpha Bag {i}", category="tote"))["id"] for i in range(5)}
    b_ids = {(await create(client, b, title=f"Beta Bag {i}", category="tote"))["id"] for i in range(3)}
    for key in (b.publishable_key, b.secret_key):
        seen = {p["id"] for p in await list_all(client, key)}
        assert seen == b_ids
        # Filters that match A's products too still only ever return B's.
        for params in ({"category": "tote"}, {"material": "leather"}, {"size_class": "mini"}, {"in_stock": "false"}):
            assert {p["id"] for p in await list_all(client, key, **params)} == b_ids
    assert {p["id"] for p in await list_all(client, a.secret_key)} == a_ids


async def test_a_cursor_from_another_brand_does_not_reveal_its_products(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    for i in range(3):
        await create(client, a, title=f"Alpha Pouch {i}")
    b_only = await create(client, b, title="Beta Pouch")
    page = await client.get("/v1/products", params={"limit": 1}, headers=auth(a.secret_key))
    cursor = page.json()["next_cursor"]
    assert cursor
    with_a_cursor = await client.get("/v1/products", params={"cursor": cursor}, headers=auth(b.secret_key))
    assert with_a_cursor.status_code in {200, 404, 422}
    if with_a_cursor.status_code == 200:
        assert {p["id"] for p in with_a_cursor.json()["data"]} <= {b_only["id"]}


async def test_two_brands_can_use_the_same_handle_and_sku(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    a_product = await create(client, a, title="Twin Clutch", sku="TWIN-CLUTCH-1", price=10_000)
    b_product = await create(client, b, title="Twin Clutch", sku="TWIN-CLUTCH-1", price=20_000)
    assert a_product["handle"] == b_product["handle"] == "twin-clutch"
    assert a_product["id"] != b_product["id"]
    # Each brand reads its own, alternately (so a cache keyed only by handle would cross over).
    for _ in range(2):
        for brand, expected in ((a, a_product), (b, b_product)):
            read = await client.get("/v1/products/twin-clutch", headers=auth(brand.publishable_key))
            assert read.status_code == 200
            assert read.json()["id"] == expected["id"]
            assert read.json()["variants"][0]["sku"] == "TWIN-CLUTCH-1"
    assert (await client.get("/v1/products/twin-clutch", headers=auth(a.publishable_key))).json()["price_from"][
        "amount"
    ] == 10_000
    # A change in one brand leaves the other's twin alone.
    patched = await client.patch(
        "/v1/products/twin-clutch/variants/TWIN-CLUTCH-1",
        json={"price": {"amount": 9_000, "currency": "GBP"}},
        headers=auth(a.secret_key),
    )
    assert patched.status_code == 200, patched.text
    deleted = await client.delete("/v1/products/twin-clutch", headers=auth(b.secret_key))
    assert deleted.status_code == 204
    a_read = await client.get("/v1/products/twin-clutch", headers=auth(a.secret_key))
    assert a_read.status_code == 200
    assert a_read.json()["variants"][0]["price"]["amount"] == 9_000
    assert_not_found(await client.get("/v1/products/twin-clutch", headers=auth(b.secret_key)))


async def test_the_same_sku_can_be_added_as_a_variant_in_each_brand(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    await create(client, a, title="Sling Bag")
    await create(client, b, title="Sling Bag")
    for brand in (a, b):
        added = await client.post(
            "/v1/products/sling-bag/variants",
            json={"sku": "SLING-OLIVE", "title": "Olive", "price": {"amount": 9_900, "currency": "GBP"}},
            headers=auth(brand.secret_key),
        )
        assert added.status_code == 201, added.text
        assert [v["sku"] for v in added.json()["variants"]][-1] == "SLING-OLIVE"


async def test_brand_endpoint_shows_and_changes_only_the_callers_brand(client: Client, make_brand: MakeBrand) -> None:
    a, b = await make_brand(), await make_brand()
    for brand in (a, b):
        read = await client.get("/v1/brand", headers=auth(brand.publishable_key))
        assert read.json()["id"] == str(brand.brand.id)
    renamed = await client.patch("/v1/brand", json={"name": "Beta Renamed"}, headers=auth(b.secret_key))
    assert renamed.status_code == 200
    assert (await client.get("/v1/brand", headers=auth(a.secret_key))).json()["name"] == a.brand.name
    assert (await client.get("/v1/brand", headers=auth(b.secret_key))).json()["name"] == "Beta Renamed"


async def test_another_brands_sku_and_location_are_unknown_to_stock(
    client: Client, two_brands: tuple[CreatedBrand, CreatedBrand, dict[str, Any]]
) -> None:
    a, b, product = two_brands
    sku = product["variants"][0]["sku"]
    a_location = await client.post(
        "/v1/locations",
        json={"name": "Alpha Depot", "kind": "warehouse", "timezone": "Europe/London"},
        headers=auth(a.secret_key),
    )
    assert a_location.status_code == 201, a_location.text
    b_location = await client.post(
        "/v1/locations",
        json={"name": "Beta Depot", "kind": "warehouse", "timezone": "Europe/London"},
        headers=auth(b.secret_key),
    )
    assert b_location.status_code == 201, b_location.text
    # B cannot stock A's SKU, nor stock anything into A's location.
    movement = {"sku": sku, "location": b_location.json()["handle"], "kind": "receive", "quantity": 5}
    assert_not_found(await client.post("/v1/stock/movements", json=movement, headers=auth(b.secret_key)))
    assert_not_found(await client.get(f"/v1/locations/{a_location.json()['handle']}", headers=auth(b.secret_key)))
    assert_not_found(await client.get("/v1/stock", params={"sku": sku}, headers=auth(b.secret_key)))
    a_read = await client.get(f"/v1/products/{product['handle']}", headers=auth(a.secret_key))
    assert a_read.json()["in_stock"] is False
    assert a_read.json()["variants"][0]["stock"]["by_location"] == []
