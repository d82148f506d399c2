"""Catalogue over HTTP: create, read, list, update, delete, through Litestar's test client."""

from __future__ import annotations

import httpx

from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient


async def test_create_then_read_with_publishable_key(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    created = await client.post(
        "/v1/products", json=product_body(title="Noa Mini Backpack"), headers=auth(brand.secret_key)
    )
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["handle"] == "noa-mini-backpack"
    assert product["size_class"] == "mini"
    assert product["price_from"] == {"amount": 12_500, "currency": "GBP"}
    assert product["repairability"]["score"] == "7.5"

    read = await client.get("/v1/products/noa-mini-backpack", headers=auth(brand.publishable_key))
    assert read.status_code == 200
    assert read.json()["variants"][1]["compare_at_price"] == {"amount": 15_500, "currency": "GBP"}
    assert [m["material"] for m in read.json()["materials"]] == ["Calfskin leather", "Recycled PET lining"]


async def test_write_is_visible_on_next_read(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await client.post(
        "/v1/products", json=product_body(title="Pia Tote", length_mm=400), headers=auth(brand.secret_key)
    )
    first = await client.get("/v1/products/pia-tote", headers=auth(brand.publishable_key))
    assert first.json()["title"] == "Pia Tote"
    patched = await client.patch(
        "/v1/products/pia-tote", json={"title": "Pia Market Tote"}, headers=auth(brand.secret_key)
    )
    assert patched.status_code == 200, patched.text
    second = await client.get("/v1/products/pia-tote", headers=auth(brand.publishable_key))
    assert second.json()["title"] == "Pia Market Tote"
    assert second.json()["size_class"] == "oversized"
