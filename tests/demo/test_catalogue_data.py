"""The demo catalogue is valid data: it decodes into the API's input types and hangs together.

Pure tests: no database, no app. They catch a broken demo before ``stallkit demo`` seeds it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from storefront.catalog.rules import SIZE_CLASSES, size_class
from storefront.catalog.schemas import ProductIn
from storefront.demo import catalogue
from storefront.ids import HANDLE_PATTERN
from storefront.inventory.schemas import LocationIn
from storefront.lookbooks.schemas import LookbookIn
from storefront.tenancy.schemas import NewBrand

IMAGES = Path(catalogue.__file__).parent / "static" / "images"
URL_PREFIX = "/static/demo/images/"
SVG = "{http://www.w3.org/2000/svg}"

PRODUCTS = {p.handle: p for p in catalogue.PRODUCTS}
VARIANT_PRODUCT = {v.sku: p.handle for p in catalogue.PRODUCTS for v in p.variants}
LOCATIONS = {loc.handle: loc for loc in catalogue.LOCATIONS}


def _image_urls() -> list[str]:
    urls = [image.url for p in catalogue.PRODUCTS for image in p.images]
    return urls + [look.image for look in catalogue.LOOKBOOK.looks]


@pytest.mark.parametrize("product", catalogue.PRODUCTS, ids=lambda p: p.handle)
def test_every_product_converts_to_product_in(product: ProductIn) -> None:
    converted = msgspec.json.decode(msgspec.json.encode(product), type=ProductIn)  # as an API body would
    assert converted == product
    assert converted.handle == product.handle
    assert converted.repairability is not None
    assert 3 <= len(converted.provenance) <= 6
    assert all(step.occurred_on is not None and step.occurred_on.year == 2026 for step in converted.provenance)


def test_brand_locations_and_lookbook_convert_to_their_input_types() -> None:
    assert isinstance(catalogue.BRAND, NewBrand)
    assert catalogue.BRAND.handle == "maison-hollis"
    assert all(isinstance(location, LocationIn) for location in catalogue.LOCATIONS)
    assert isinstance(catalogue.LOOKBOOK, LookbookIn)
    assert len(catalogue.LOOKBOOK.looks) == 3


def test_enough_products_and_made_to_order_mix() -> None:
    assert len(catalogue.PRODUCTS) >= 14
    assert len(PRODUCTS) == len(catalogue.PRODUCTS), "product handles must be unique"
    assert 3 <= sum(p.made_to_order for p in catalogue.PRODUCTS) <= 4


def test_every_size_class_has_at_least_two_products() -> None:
    counts = Counter(size_class(**msgspec.structs.asdict(p.dimensions)) for p in catalogue.PRODUCTS)
    assert all(counts[cls] >= 2 for cls in SIZE_CLASSES), counts


@pytest.mark.parametrize("product", catalogue.PRODUCTS, ids=lambda p: p.handle)
def test_material_shares_sum_to_100(product: ProductIn) -> None:
    assert sum(m.share_pct for m in product.materials) == 100


def test_skus_are_unique_across_the_catalogue() -> None:
    skus = [v.sku for p in catalogue.PRODUCTS for v in p.variants]
    assert [sku for sku, n in Counter(skus).items() if n > 1] == []


def test_prices_are_in_the_brand_currency_and_sales_are_real_discounts() -> None:
    currency = catalogue.BRAND.currency
    for product in catalogue.PRODUCTS:
        for variant in product.variants:
            assert variant.price.currency == currency
            assert 4_500 <= variant.price.amount <= 42_000
            compare = variant.compare_at_price
            if compare is not None:
                assert compare.currency == currency
                assert compare.amount > variant.price.amount, variant.sku
    assert any(v.compare_at_price for p in catalogue.PRODUCTS for v in p.variants)


def test_handles_are_slugs() -> None:
    handles = [catalogue.BRAND.handle, catalogue.LOOKBOOK.handle, *PRODUCTS, *LOCATIONS]
    assert [h for h in handles if h is None or not re.fullmatch(HANDLE_PATTERN, h)] == []


def test_locations_cover_shop_microfactory_and_warehouse() -> None:
    assert {"shop", "microfactory", "warehouse"} <= {loc.kind for loc in catalogue.LOCATIONS}
    assert len(LOCATIONS) == len(catalogue.LOCATIONS), "location handles must be unique"
    for loc in catalogue.LOCATIONS:
        assert isinstance(loc.latitude_e6, int) and -90_000_000 <= loc.latitude_e6 <= 90_000_000
        assert isinstance(loc.longitude_e6, int) and -180_000_000 <= loc.longitude_e6 <= 180_000_000
        assert set(loc.opening_hours) <= {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
        for spans in loc.opening_hours.values():
            for opens, closes in spans:
                assert re.fullmatch(r"\d\d:\d\d", opens) and re.fullmatch(r"\d\d:\d\d", closes)
                assert opens < closes


@pytest.mark.parametrize("url", _image_urls())
def test_every_image_is_a_small_self_contained_svg(url: str) -> None:
    assert url.startswith(URL_PREFIX)
    path = IMAGES / url.removeprefix(URL_PREFIX)
    assert path.is_file(), path
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) < 2048
    root = ET.fromstring(text)  # noqa: S314 - our own files, checked in
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    title = root.find(f"{SVG}title")
    assert title is not None and (title.text or "").strip()
    assert root.find(f".//{SVG}script") is None
    assert "href" not in text and "url(" not in text


def test_stock_refers_to_known_skus_and_locations() -> None:
    for line in catalogue.STOCK:
        assert line.sku in VARIANT_PRODUCT, line.sku
        assert line.location in LOCATIONS, line.location
        assert line.quantity >= 0
    pairs = [(line.sku, line.location) for line in catalogue.STOCK]
    assert len(set(pairs)) == len(pairs), "one row per (sku, location)"


def test_stock_makes_in_stock_filtering_meaningful() -> None:
    stocked = {line.sku for line in catalogue.STOCK if line.quantity > 0}
    assert stocked, "some variants must be in stock"
    assert set(VARIANT_PRODUCT) - stocked, "some variants must be out of stock"
    made_to_order = {p.handle for p in catalogue.PRODUCTS if p.made_to_order}
    assert not any(VARIANT_PRODUCT[line.sku] in made_to_order for line in catalogue.STOCK)


def test_lookbook_items_point_at_real_products_and_their_own_variants() -> None:
    for look in catalogue.LOOKBOOK.looks:
        assert 2 <= len(look.items) <= 3
        for item in look.items:
            assert item.product in PRODUCTS, item.product
            if item.variant is not None:
                assert VARIANT_PRODUCT.get(item.variant) == item.product, item.variant
            assert 0 <= item.hotspot.x <= 1000
            assert 0 <= item.hotspot.y <= 1000


def test_lookbook_covers_the_three_occasions() -> None:
    occasions = [look.occasion for look in catalogue.LOOKBOOK.looks]
    assert sorted(occasions) == ["business", "casual", "evening"]
