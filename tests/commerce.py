"""A brand set up to sell: a shop and a warehouse with stock, pickup, a courier zone, a workroom, monograms.

Plain async helpers (not fixtures) so any test module can build as many shops as it needs.
Opening hours cover the whole week so promises exist whatever time the suite runs.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY = {day: [["00:00", "23:59"]] for day in EVERY_DAY}


class Shop(msgspec.Struct, kw_only=True):
    brand: CreatedBrand
    product: str  # handle of the product of ``sku`` and ``other_sku``
    sku: str  # stocked at the shop
    other_sku: str  # the same product's second variant, at the warehouse
    mto_sku: str  # a made-to-order product's variant
    look: dict[str, Any] | None = None


async def post(client: httpx.AsyncClient, brand: CreatedBrand, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=auth(brand.secret_key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def receive(client: httpx.AsyncClient, brand: CreatedBrand, sku: str, location: str, quantity: int) -> None:
    movement = {"sku": sku, "location": location, "kind": "receive", "quantity": quantity}
    await post(client, brand, "/v1/stock/movements", movement)


async def open_shop(
    client: httpx.AsyncClient,
    make_brand: MakeBrand,
    *,
    shop_units: int = 5,
    warehouse_units: int = 5,
    daily_capacity: int = 4,
    deposit_bp: int = 0,
    price: int = 12_500,
    bundle_discount_bp: int = 1000,
    **brand_fields: Any,
) -> Shop:
    brand = await make_brand(**brand_fields)
    await post(
        client,
        brand,
        "/v1/locations",
        {
            "handle": "market-street",
            "name": "Market Street",
            "kind": "shop",
            "postcode": "E2 7RG",
            "timezone": "Europe/London",
            "opening_hours": ALL_DAY,
        },
    )
    await post(
        client,
        brand,
        "/v1/locations",
        {
            "handle": "warehouse",
            "name": "Warehouse",
            "kind": "warehouse",
            "timezone": "Europe/London",
            "opening_hours": ALL_DAY,
        },
    )
    await post(
        client,
        brand,
        "/v1/locations",
        {
            "handle": "workroom",
            "name": "Workroom",
            "kind": "microfactory",
            "timezone": "Europe/London",
            "opening_hours": ALL_DAY,
        },
    )
    product = await post(client, brand, "/v1/products", product_body(price=price))
    sku, other = product["variants"][0]["sku"], product["variants"][1]["sku"]
    mto = await post(client, brand, "/v1/products", product_body(price=30_000, made_to_order=True))
    if shop_units:
        await receive(client, brand, sku, "market-street", shop_units)
    if warehouse_units:
        await receive(client, brand, other, "warehouse", warehouse_units)
    await post(client, brand, "/v1/fulfilment/pickup-points", {"location": "market-street", "prep_minutes": 30})
    await post(
        client,
        brand,
        "/v1/fulfilment/courier-zones",
        {
            "handle": "east",
            "name": "East London",
            "hub": "market-street",
            "postcode_prefixes": ["E1", "E2", "E8"],
            "same_day_cutoff": "14:00",
            "delivery_windows": [["18:00", "21:00"]],
            "delivery_days": list(EVERY_DAY),
            "rate": {"amount": 795, "currency": brand_fields.get("currency", "GBP")},
        },
    )
    await post(
        client,
        brand,
        "/v1/fulfilment/microfactories",
        {
            "location": "workroom",
            "daily_capacity": daily_capacity,
            "lead_time_working_days": 3,
            "deposit_bp": deposit_bp,
        },
    )
    currency = brand_fields.get("currency", "GBP")
    await post(
        client,
        brand,
        "/v1/fulfilment/personalisation-options",
        {
            "handle": "monogram",
            "kind": "monogram",
            "label": "Monogram",
            "pattern": "^[A-Z]{1,3}$",
            "max_length": 3,
            "price": {"amount": 1500, "currency": currency},
        },
    )
    await post(
        client,
        brand,
        "/v1/fulfilment/personalisation-options",
        {
            "handle": "thread",
            "kind": "thread_colour",
            "label": "Thread",
            "allowed_values": ["gold", "navy"],
            "price": {"amount": 0, "currency": currency},
        },
    )
    lookbook = await post(
        client,
        brand,
        "/v1/lookbooks",
        {
            "title": "Autumn",
            "looks": [
                {
                    "title": "Weekend",
                    "occasion": "casual",
                    "image": "https://example.com/look.jpg",
                    "bundle_discount_bp": bundle_discount_bp,
                    "items": [
                        {"product": product["handle"], "variant": sku, "hotspot": {"x": 100, "y": 100}},
                        {"product": product["handle"], "variant": other, "hotspot": {"x": 500, "y": 500}},
                    ],
                }
            ],
        },
    )
    return Shop(
        brand=brand,
        product=product["handle"],
        sku=sku,
        other_sku=other,
        mto_sku=mto["variants"][0]["sku"],
        look={"lookbook": lookbook["handle"], "look": lookbook["looks"][0]["id"]},
    )


async def new_cart(client: httpx.AsyncClient, shop: Shop) -> str:
    response = await client.post("/v1/carts", json={}, headers=auth(shop.brand.publishable_key))
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


def pickup() -> dict[str, Any]:
    return {"method": "pickup", "location": "market-street"}


def courier(postcode: str = "E2 8AA") -> dict[str, Any]:
    return {"method": "courier", "postcode": postcode}


async def add(
    client: httpx.AsyncClient,
    shop: Shop,
    cart: str,
    sku: str,
    quantity: int = 1,
    fulfilment: dict[str, Any] | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"sku": sku, "quantity": quantity, "fulfilment": fulfilment or pickup(), **extra}
    return await client.post(f"/v1/carts/{cart}/lines", json=body, headers=auth(shop.brand.publishable_key))


def delivery(postcode: str = "E2 8AA", *, phone: str = "07700 900123") -> dict[str, Any]:
    """What a checkout body carries for a courier or made-to-order line: an address in the shop's zone, and a phone."""
    return {
        "address": {
            "name": "Ada Lovelace",
            "line1": "12 Columbia Road",
            "city": "London",
            "postcode": postcode,
            "country": "GB",
        },
        "phone": phone,
    }
