"""Plain keyword-argument factories for request bodies."""

from __future__ import annotations

import uuid
from typing import Any

from storefront.catalog.models import Product, Variant
from storefront.money import Money


def product_body(
    *,
    title: str | None = None,
    currency: str = "GBP",
    price: int = 12_500,
    sku: str | None = None,
    length_mm: int = 180,
    category: str = "mini-backpack",
    **overrides: Any,
) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:6]
    body: dict[str, Any] = {
        "title": title or f"Mini Backpack {suffix}",
        "story": "Cut from a single hide in Florence.",
        "category": category,
        "dimensions": {"length_mm": length_mm, "width_mm": 90, "height_mm": 120},
        "images": [{"url": "/static/demo/images/mini-backpack.svg", "alt": "A mini backpack"}],
        "variants": [
            {
                "sku": sku or f"MB-{suffix}-TAN",
                "title": "Tan",
                "options": {"colour": "tan"},
                "price": {"amount": price, "currency": currency},
            },
            {
                "sku": f"MB-{suffix}-BLK",
                "title": "Black",
                "options": {"colour": "black"},
                "price": {"amount": price + 1000, "currency": currency},
                "compare_at_price": {"amount": price + 3000, "currency": currency},
            },
        ],
        "materials": [
            {
                "material": "Calfskin leather",
                "grade": "full-grain",
                "share_pct": 85,
                "origin": "Conceria Walpier",
                "country": "IT",
                "certifications": ["LWG Gold"],
            },
            {
                "material": "Recycled PET lining",
                "share_pct": 15,
                "origin": "Repreve",
                "country": "US",
                "certifications": ["GRS"],
            },
        ],
        "provenance": [
            {"stage": "material", "place": "Santa Croce sull'Arno", "country": "IT", "maker": "Conceria Walpier"},
            {"stage": "assembly", "place": "London", "country": "GB", "maker": "Hackney studio"},
        ],
        "repairability": {
            "parts_availability": 8,
            "modularity": 7,
            "ease_of_repair": 6,
            "documentation": 9,
            "replaceable_parts": ["strap", "zip puller"],
            "repair_guide_url": "https://example.com/r",
            "service_partner": "The Leather Clinic",
        },
    }
    body.update(overrides)
    return body


def gbp(amount: int) -> Money:
    """Pounds in pence: the currency most tests price in."""
    return Money(amount=amount, currency="GBP")


async def bare_variant(brand_id: uuid.UUID, *, price_minor: int = 100) -> Variant:
    """A product with one GBP variant, written straight to the tables: for tests that build orders by hand."""
    handle = f"p-{uuid.uuid4().hex[:8]}"
    product = await Product.create(
        brand_id=brand_id, handle=handle, title="Bag", category="bag", length_mm=1, width_mm=1, height_mm=1,
        size_class="mini",
    )  # fmt: skip
    return await Variant.create(
        brand_id=brand_id, product=product, sku=handle.upper(), title="Tan", price_minor=price_minor, currency="GBP"
    )
