"""Listing products: cursor pagination, filters, and the size-class rule behind one of them."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.catalog.rules import SIZE_CLASSES, size_class
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient


async def create(client: Client, brand: CreatedBrand, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/products", json=product_body(**fields), headers=auth(brand.secret_key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def page(client: Client, brand: CreatedBrand, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/products", params=params, headers=auth(brand.publishable_key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def walk(client: Client, brand: CreatedBrand, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page, following ``next_cursor`` until ``has_more`` is false."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    for _ in range(200):
        body = await page(client, brand, **params, **({"cursor": cursor} if cursor else {}))
        pages.append(body["data"])
        assert body["has_more"] is (body["next_cursor"] is not None)
        if not body["has_more"]:
            return pages
        cursor = body["next_cursor"]
    raise AssertionError("pagination did not end")


async def handles(client: Client, brand: CreatedBrand, **params: Any) -> list[str]:
    return [p["handle"] for pg in await walk(client, brand, limit=100, **params) for p in pg]


def dims(length: int, width: int = 50, height: int = 50) -> dict[str, int]:
    return {"length_mm": length, "width_mm": width, "height_mm": height}


# --- cursor pagination ------------------------------------------------------------------------


async def test_cursor_walks_every_product_once_in_creation_order(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    created = [await create(client, brand, title=f"Walk Bag {i}") for i in range(7)]
    pages = await walk(client, brand, limit=2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    seen = [p["handle"] for pg in pages for p in pg]
    assert seen == [c["handle"] for c in created]
    assert len(set(seen)) == len(seen)
    assert [p["id"] for pg in pages for p in pg] == [c["id"] for c in created]


async def test_an_exact_multiple_of_the_limit_ends_without_an_empty_page(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    for i in range(4):
        await create(client, brand, title=f"Even Bag {i}")
    pages = await walk(client, brand, limit=2)
    assert [len(p) for p in pages] == [2, 2]


async def test_an_empty_catalogue_is_one_empty_last_page(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    assert await page(client, brand, limit=2) == {"data": [], "has_more": False, "next_cursor": None}


async def test_default_page_is_20(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    for i in range(21):
        await create(client, brand, title=f"Many Bag {i}")
    first = await page(client, brand)
    assert len(first["data"]) == 20
    assert first["has_more"] is True
    rest = await page(client, brand, cursor=first["next_cursor"])
    assert [p["handle"] for p in rest["data"]] == ["many-bag-20"]
    assert rest["has_more"] is False


async def test_cursor_is_stable_under_inserts_and_deletes(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    for i in range(4):
        await create(client, brand, title=f"Stable Bag {i}")
    first = await page(client, brand, limit=2)
    assert [p["handle"] for p in first["data"]] == ["stable-bag-0", "stable-bag-1"]
    # A product already seen goes away and a new one arrives: nothing is skipped or repeated.
    deleted = await client.delete("/v1/products/stable-bag-0", headers=auth(brand.secret_key))
    assert deleted.status_code == 204
    await create(client, brand, title="Stable Bag 4")
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        body = await page(client, brand, limit=2, cursor=cursor)
        rest.extend(p["handle"] for p in body["data"])
        cursor = body["next_cursor"]
    assert rest == ["stable-bag-2", "stable-bag-3", "stable-bag-4"]


async def test_summary_carries_what_a_listing_shows(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    product = await create(client, brand, title="Summary Bag", price=9_900)
    (summary,) = (await page(client, brand))["data"]
    assert summary == {
        "id": product["id"],
        "handle": "summary-bag",
        "title": "Summary Bag",
        "category": "mini-backpack",
        "size_class": "mini",
        "image": {"url": "/static/demo/images/mini-backpack.svg", "alt": "A mini backpack"},
        "price_from": {"amount": 9_900, "currency": "GBP"},
        "in_stock": False,
        "materials": ["Calfskin leather", "Recycled PET lining"],
    }


# --- filters ----------------------------------------------------------------------------------


async def test_filter_by_category(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Cat Tote 1", category="tote")
    await create(client, brand, title="Cat Backpack", category="mini-backpack")
    await create(client, brand, title="Cat Tote 2", category="tote")
    await create(client, brand, title="Cat Totebag", category="tote-bag")
    assert await handles(client, brand, category="tote") == ["cat-tote-1", "cat-tote-2"]
    assert await handles(client, brand, category="mini-backpack") == ["cat-backpack"]
    assert await handles(client, brand, category="belt-bag") == []
    # Paged with the filter applied, too.
    pages = await walk(client, brand, category="tote", limit=1)
    assert [[p["handle"] for p in pg] for pg in pages] == [["cat-tote-1"], ["cat-tote-2"]]


async def test_filter_by_size_class(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Size Micro", dimensions=dims(99, 99, 99))
    await create(client, brand, title="Size Mini Low", dimensions=dims(100))
    await create(client, brand, title="Size Mini High", dimensions=dims(30, 200, 40))
    await create(client, brand, title="Size Standard", dimensions=dims(60, 70, 201))
    await create(client, brand, title="Size Standard Top", dimensions=dims(350))
    await create(client, brand, title="Size Oversized", dimensions=dims(351))
    assert await handles(client, brand, size_class="micro") == ["size-micro"]
    assert await handles(client, brand, size_class="mini") == ["size-mini-low", "size-mini-high"]
    assert await handles(client, brand, size_class="standard") == ["size-standard", "size-standard-top"]
    assert await handles(client, brand, size_class="oversized") == ["size-oversized"]
    # The summaries agree with the filter.
    for summary in (await page(client, brand, limit=100))["data"]:
        assert summary["handle"] in await handles(client, brand, size_class=summary["size_class"])


async def test_size_class_follows_a_dimension_change(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Growing Bag", dimensions=dims(150))
    assert await handles(client, brand, size_class="mini") == ["growing-bag"]
    patched = await client.patch(
        "/v1/products/growing-bag", json={"dimensions": dims(150, 360)}, headers=auth(brand.secret_key)
    )
    assert patched.status_code == 200
    assert patched.json()["size_class"] == "oversized"
    assert await handles(client, brand, size_class="mini") == []
    assert await handles(client, brand, size_class="oversized") == ["growing-bag"]


async def test_filter_by_material_is_a_case_insensitive_substring(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Mat Default")  # Calfskin leather, Recycled PET lining
    await create(client, brand, title="Mat Cork", materials=[{"material": "Portuguese Cork", "share_pct": 100}])
    await create(
        client,
        brand,
        title="Mat Double Leather",
        materials=[
            {"material": "Full-grain LEATHER", "share_pct": 60},
            {"material": "Leather trim", "share_pct": 40},
        ],
    )
    await create(client, brand, title="Mat None", materials=[])
    assert await handles(client, brand, material="leather") == ["mat-default", "mat-double-leather"]
    assert await handles(client, brand, material="LeAtHeR") == ["mat-default", "mat-double-leather"]
    assert await handles(client, brand, material="ather") == ["mat-default", "mat-double-leather"]
    assert await handles(client, brand, material="pet") == ["mat-default"]
    assert await handles(client, brand, material="CORK") == ["mat-cork"]
    assert await handles(client, brand, material="nylon") == []
    # A product matching twice is listed once, also across pages.
    pages = await walk(client, brand, material="leather", limit=1)
    assert [[p["handle"] for p in pg] for pg in pages] == [["mat-default"], ["mat-double-leather"]]


async def test_material_filter_ignores_other_brands_materials(client: Client, make_brand: MakeBrand) -> None:
    mine, theirs = await make_brand(), await make_brand()
    unique = f"Mycelium {uuid.uuid4().hex[:6]}"
    await create(client, theirs, title="Their Bag", materials=[{"material": unique, "share_pct": 100}])
    await create(client, mine, title="My Bag")
    assert await handles(client, mine, material=unique) == []
    assert await handles(client, theirs, material=unique) == ["their-bag"]


async def test_combined_filters_all_apply(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Combo Mini Tote", category="tote", dimensions=dims(150))
    await create(client, brand, title="Combo Big Tote", category="tote", dimensions=dims(400))
    await create(client, brand, title="Combo Mini Pack", category="mini-backpack", dimensions=dims(150))
    assert await handles(client, brand, category="tote", size_class="mini") == ["combo-mini-tote"]
    assert await handles(client, brand, category="tote", size_class="micro") == []
    both_minis = ["combo-mini-tote", "combo-mini-pack"]
    assert await handles(client, brand, size_class="mini", material="calfskin") == both_minis


# --- in stock ---------------------------------------------------------------------------------


async def location(client: Client, brand: CreatedBrand, kind: str) -> str:
    response = await client.post(
        "/v1/locations",
        json={"name": f"{kind.title()} {uuid.uuid4().hex[:6]}", "kind": kind, "timezone": "Europe/London"},
        headers=auth(brand.secret_key),
    )
    assert response.status_code == 201, response.text
    return response.json()["handle"]  # type: ignore[no-any-return]


async def move(client: Client, brand: CreatedBrand, sku: str, where: str, quantity: int, kind: str = "receive") -> None:
    response = await client.post(
        "/v1/stock/movements",
        json={"sku": sku, "location": where, "kind": kind, "quantity": quantity},
        headers=auth(brand.secret_key),
    )
    assert response.status_code in (200, 201), response.text


async def test_filter_by_in_stock(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    warehouse = await location(client, brand, "warehouse")
    shop = await location(client, brand, "shop")
    stall = await location(client, brand, "stall")
    products = {
        name: await create(client, brand, title=f"Stock {name}")
        for name in ("warehouse", "none", "stall", "adjusted", "shop", "second-variant")
    }

    def sku(name: str, index: int = 0) -> str:
        return products[name]["variants"][index]["sku"]  # type: ignore[no-any-return]

    await move(client, brand, sku("warehouse"), warehouse, 5)
    await move(client, brand, sku("stall"), stall, 3)  # a pop-up stall's units are not sold online
    await move(client, brand, sku("adjusted"), warehouse, 2)
    await move(client, brand, sku("adjusted"), warehouse, -2, kind="adjust")
    await move(client, brand, sku("shop"), shop, 1)
    await move(client, brand, sku("second-variant", 1), warehouse, 4)

    in_stock = ["stock-warehouse", "stock-shop", "stock-second-variant"]
    out_of_stock = ["stock-none", "stock-stall", "stock-adjusted"]
    assert await handles(client, brand, in_stock="true") == in_stock
    assert await handles(client, brand, in_stock="false") == out_of_stock
    everything = await handles(client, brand)
    assert sorted(everything) == sorted(in_stock + out_of_stock)
    # The flag on each summary agrees with the filter.
    for summary in (await page(client, brand, limit=100))["data"]:
        assert summary["in_stock"] is (summary["handle"] in in_stock), summary
    # Paged with the filter.
    pages = await walk(client, brand, in_stock="true", limit=2)
    assert [[p["handle"] for p in pg] for pg in pages] == [in_stock[:2], in_stock[2:]]


async def test_stock_change_is_visible_in_the_next_listing(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    warehouse = await location(client, brand, "warehouse")
    product = await create(client, brand, title="Restock Bag")
    assert await handles(client, brand, in_stock="true") == []
    assert await handles(client, brand, in_stock="false") == ["restock-bag"]
    await move(client, brand, product["variants"][0]["sku"], warehouse, 1)
    assert await handles(client, brand, in_stock="true") == ["restock-bag"]
    assert await handles(client, brand, in_stock="false") == []
    await move(client, brand, product["variants"][0]["sku"], warehouse, -1, kind="adjust")
    assert await handles(client, brand, in_stock="true") == []
    assert await handles(client, brand, in_stock="false") == ["restock-bag"]


async def test_made_to_order_is_in_stock_only_with_a_microfactory(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await create(client, brand, title="Bespoke Bag", made_to_order=True)
    await create(client, brand, title="Ready Bag")
    assert await handles(client, brand, in_stock="true") == []
    await location(client, brand, "microfactory")
    assert await handles(client, brand, in_stock="true") == ["bespoke-bag"]
    assert await handles(client, brand, in_stock="false") == ["ready-bag"]


# --- the size-class rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("longest", "expected"),
    [
        (1, "micro"),
        (99, "micro"),
        (100, "mini"),
        (150, "mini"),
        (200, "mini"),
        (201, "standard"),
        (350, "standard"),
        (351, "oversized"),
        (3000, "oversized"),
    ],
)
def test_size_class_boundaries(longest: int, expected: str) -> None:
    assert size_class(longest, 1, 1) == expected
    assert size_class(1, longest, 1) == expected
    assert size_class(1, 1, longest) == expected
    assert size_class(longest, longest, longest) == expected


def test_size_class_uses_the_longest_side_not_the_length() -> None:
    assert size_class(50, 60, 250) == "standard"
    assert size_class(99, 99, 100) == "mini"
    assert size_class(350, 10, 351) == "oversized"


SIDES = st.integers(min_value=1, max_value=3000)


def rank(cls: str) -> int:
    return SIZE_CLASSES.index(cls)  # type: ignore[arg-type]


@given(SIDES, SIDES, SIDES)
def test_size_class_ignores_the_order_of_the_sides(a: int, b: int, c: int) -> None:
    assert {size_class(*p) for p in itertools.permutations((a, b, c))} == {size_class(a, b, c)}


@given(SIDES, SIDES, SIDES)
def test_size_class_depends_only_on_the_longest_side(a: int, b: int, c: int) -> None:
    longest = max(a, b, c)
    assert size_class(a, b, c) == size_class(longest, 1, 1)


@given(SIDES, SIDES, SIDES, st.integers(min_value=0, max_value=3000), st.sampled_from([0, 1, 2]))
def test_size_class_is_monotonic_in_the_sides(a: int, b: int, c: int, grow: int, which: int) -> None:
    before = [a, b, c]
    after = list(before)
    after[which] += grow
    assert rank(size_class(*after)) >= rank(size_class(*before))


@given(SIDES, SIDES)
def test_size_class_is_monotonic_in_the_longest_side(x: int, y: int) -> None:
    small, large = sorted((x, y))
    assert rank(size_class(small, small, small)) <= rank(size_class(large, large, large))
    assert size_class(small, 1, 1) in SIZE_CLASSES
