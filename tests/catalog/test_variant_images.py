"""A variant's own images: written with the product or the variant, read back in the JSON API."""

from __future__ import annotations

import httpx

from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient

BLACK = {"url": "/static/demo/images/variants/mb-black.svg", "alt": "The backpack in black"}


def _variant(product: dict[str, object], sku: str) -> dict[str, object]:
    variants = product["variants"]
    assert isinstance(variants, list)
    return next(v for v in variants if v["sku"] == sku)


async def test_variant_images_are_created_and_read_back(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    body = product_body(title="Vera Backpack")
    body["variants"][1]["images"] = [BLACK]
    created = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert created.status_code == 201, created.text

    read = await client.get("/v1/products/vera-backpack", headers=auth(brand.publishable_key))
    assert read.status_code == 200
    tan, black = body["variants"][0]["sku"], body["variants"][1]["sku"]
    assert _variant(read.json(), black)["images"] == [BLACK]
    assert _variant(read.json(), tan)["images"] == []  # no images of its own: the product's show it
    assert read.json()["images"] == body["images"]


async def test_variant_images_are_added_replaced_and_cleared(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    body = product_body(title="Vida Backpack")
    await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    added = await client.post(
        "/v1/products/vida-backpack/variants",
        json={
            "sku": "VIDA-SAGE",
            "title": "Sage",
            "options": {"colour": "sage"},
            "price": {"amount": 12_500, "currency": "GBP"},
            "images": [{"url": "https://cdn.example/vida-sage.jpg", "alt": "Vida in sage"}],
        },
        headers=auth(brand.secret_key),
    )
    assert added.status_code == 201, added.text
    assert _variant(added.json(), "VIDA-SAGE")["images"] == [
        {"url": "https://cdn.example/vida-sage.jpg", "alt": "Vida in sage"}
    ]

    path = "/v1/products/vida-backpack/variants/VIDA-SAGE"
    replaced = await client.patch(path, json={"images": [BLACK]}, headers=auth(brand.secret_key))
    assert replaced.status_code == 200, replaced.text
    assert _variant(replaced.json(), "VIDA-SAGE")["images"] == [BLACK]

    untouched = await client.patch(path, json={"title": "Sage green"}, headers=auth(brand.secret_key))
    assert _variant(untouched.json(), "VIDA-SAGE")["images"] == [BLACK]

    cleared = await client.patch(path, json={"images": []}, headers=auth(brand.secret_key))
    assert _variant(cleared.json(), "VIDA-SAGE")["images"] == []


async def test_bad_variant_images_are_refused_as_problems(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    body = product_body(title="Vim Backpack")
    body["variants"][0]["images"] = [{"url": "javascript:alert(1)", "alt": "x"}]
    refused = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")

    body["variants"][0]["images"] = [{"url": "/static/a.svg", "alt": "x"}] * 11
    too_many = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert too_many.status_code in (400, 422), too_many.text


async def test_publishable_key_cannot_write_variant_images(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    body = product_body(title="Vex Backpack")
    await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    sku = body["variants"][0]["sku"]
    refused = await client.patch(
        f"/v1/products/vex-backpack/variants/{sku}", json={"images": [BLACK]}, headers=auth(brand.publishable_key)
    )
    assert refused.status_code in (401, 403), refused.text
    read = await client.get("/v1/products/vex-backpack", headers=auth(brand.publishable_key))
    assert _variant(read.json(), sku)["images"] == []
