"""Components over HTTP: every component in every theme, as HTML and as props, with caching and errors."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from components.registry import all_components
from components.theming import available_themes
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient

COMPONENTS = sorted(all_components())
THEMES = available_themes()
HOTSPOT_STYLE = re.compile(r"left: \d+(\.\d+)?%; top: \d+(\.\d+)?%")


@dataclass(frozen=True)
class Shop:
    brand: CreatedBrand
    product: str  # a mini backpack: tan in stock at the shop and the warehouse, black with none
    tan: str
    black: str
    micro: str  # a micro pouch, two at the warehouse
    tote: str  # an oversized tote, none in stock
    lookbook: str


async def post(client: Client, brand: CreatedBrand, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=auth(brand.secret_key))
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def open_shop(client: Client, make_brand: MakeBrand, theme: str | None = None) -> Shop:
    brand = await make_brand()
    if theme is not None:
        patched = await client.patch("/v1/brand", json={"theme": theme}, headers=auth(brand.secret_key))
        assert patched.status_code == 200, patched.text
    shop = await post(
        client, brand, "/v1/locations", {"name": "Columbia Road", "kind": "shop", "timezone": "Europe/London"}
    )
    warehouse = await post(
        client, brand, "/v1/locations", {"name": "Dispatch", "kind": "warehouse", "timezone": "Europe/London"}
    )
    main = await post(client, brand, "/v1/products", product_body(title="Noa Mini Backpack", price=12_500))
    micro = await post(
        client,
        brand,
        "/v1/products",
        product_body(title="Pip Pouch", price=4_500, dimensions={"length_mm": 90, "width_mm": 40, "height_mm": 60}),
    )
    tote = await post(
        client,
        brand,
        "/v1/products",
        product_body(
            title="Thames Tote", price=18_000, dimensions={"length_mm": 420, "width_mm": 150, "height_mm": 340}
        ),
    )
    tan, black = (v["sku"] for v in main["variants"])
    for where, quantity in ((shop["handle"], 3), (warehouse["handle"], 5)):
        await post(
            client,
            brand,
            "/v1/stock/movements",
            {"sku": tan, "location": where, "kind": "receive", "quantity": quantity},
        )
    pouch = micro["variants"][0]["sku"]
    await post(
        client,
        brand,
        "/v1/stock/movements",
        {"sku": pouch, "location": warehouse["handle"], "kind": "receive", "quantity": 2},
    )
    book = await post(
        client,
        brand,
        "/v1/lookbooks",
        {
            "title": "Autumn in the City",
            "looks": [
                {
                    "title": "Sunday on Columbia Road",
                    "occasion": "casual",
                    "image": "/static/demo/images/look-casual.svg",
                    "items": [
                        {"product": main["handle"], "variant": tan, "hotspot": {"x": 700, "y": 560}},
                        {"product": tote["handle"], "hotspot": {"x": 330, "y": 440}, "note": "For flowers"},
                    ],
                }
            ],
        },
    )
    return Shop(
        brand=brand,
        product=main["handle"],
        tan=tan,
        black=black,
        micro=micro["handle"],
        tote=tote["handle"],
        lookbook=book["handle"],
    )


def query(shop: Shop, name: str, **extra: str) -> dict[str, str]:
    target = {"lookbook": shop.lookbook} if name == "lookbook" else {"product": shop.product}
    return {**target, "key": shop.brand.publishable_key, **extra}


async def fetch(
    client: Client, shop: Shop, name: str, headers: dict[str, str] | None = None, **extra: str
) -> httpx.Response:
    return await client.get(f"/v1/components/{name}", params=query(shop, name, **extra), headers=headers or {})


@pytest.fixture
async def shop(client: Client, make_brand: MakeBrand) -> Shop:
    return await open_shop(client, make_brand)


# --- the list ---------------------------------------------------------------------------------


async def test_list_has_every_component_with_its_props_schema(client: Client, shop: Shop) -> None:
    response = await client.get("/v1/components", headers=auth(shop.brand.publishable_key))
    assert response.status_code == 200, response.text
    listed = {c["name"]: c for c in response.json()}
    assert sorted(listed) == sorted(
        [
            "product-page",
            "gallery",
            "price",
            "variant-picker",
            "stock",
            "materials",
            "provenance",
            "repairability",
            "size-guide",
            "lookbook",
            "quick-view",
            "pairs-well-with",
            "fulfilment-options",
            "fulfilment-promise",
            "personalise",
            "add-to-cart",
            "mini-cart",
            "checkout",
            "order-status",
            "trade-in-estimator",
            "credit-balance",
            "upcoming-events",
        ]
    )
    for info in listed.values():
        schema = info["props_schema"]
        assert schema["$ref"].startswith("#/$defs/")
        assert schema["$defs"]
    assert listed["lookbook"]["needs_product"] is False
    assert listed["product-page"]["needs_product"] is True


# --- every component, every theme -------------------------------------------------------------


def assert_self_contained(html: str) -> None:
    """Only JSON-LD scripts, only sk- classes, and inline styles only to place hotspots."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert tag == '<script type="application/ld+json">', tag
    for classes in re.findall(r'\bclass="([^"]*)"', html):
        for name in classes.split():
            assert name.startswith("sk-"), name
    body = html.split(">", 1)[1]  # the sk-root wrapper may carry brand token overrides
    for style in re.findall(r'\bstyle="([^"]*)"', body):
        assert HOTSPOT_STYLE.fullmatch(style), style
    for href in re.findall(r'\bhref="([^"]*)"', html):  # "/...": a page of the brand's own site
        assert href.startswith(("?", "/", "http://", "https://")) and not href.startswith("//"), href


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", COMPONENTS)
async def test_every_component_renders_html_and_props_in_every_theme(
    client: Client, make_brand: MakeBrand, name: str, theme: str
) -> None:
    shop = await open_shop(client, make_brand, theme)

    html = await fetch(client, shop, name)
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert html.text.startswith(f'<div class="sk-root sk-theme-{theme}" data-sk-component="{name}"')
    assert html.text.rstrip().endswith("</div>")
    assert_self_contained(html.text)

    props = await fetch(client, shop, name, headers={"Accept": "application/json"})
    assert props.status_code == 200, props.text
    assert props.headers["content-type"].startswith("application/json")
    data = props.json()
    assert isinstance(data, dict)
    if name == "lookbook":
        assert data["handle"] == shop.lookbook
    else:
        assert data["product"] == shop.product


# --- errors -----------------------------------------------------------------------------------


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]]


async def test_errors_are_problem_details(client: Client, shop: Shop) -> None:
    key = {"key": shop.brand.publishable_key}
    assert_problem(await client.get("/v1/components/no-such-thing", params={"product": shop.product, **key}), 404)
    assert_problem(await client.get("/v1/components/price", params={"product": "no-such-bag", **key}), 404)
    unknown_variant = await client.get(
        "/v1/components/product-page", params={"product": shop.product, "variant": "NOPE-1", **key}
    )
    assert_problem(unknown_variant, 422, "query.variant")
    assert_problem(await client.get("/v1/components/stock", params=key), 422, "query.product")
    assert_problem(await client.get("/v1/components/lookbook", params=key), 422, "query.lookbook")
    assert_problem(await client.get("/v1/components/lookbook", params={"lookbook": "no-such-book", **key}), 404)


async def test_another_brands_product_is_not_found(client: Client, make_brand: MakeBrand, shop: Shop) -> None:
    stranger = await make_brand()
    response = await client.get(
        "/v1/components/product-page", params={"product": shop.product, "key": stranger.publishable_key}
    )
    assert_problem(response, 404)


# --- caching ----------------------------------------------------------------------------------


async def test_etag_revalidates_and_changes_with_the_product(client: Client, shop: Shop) -> None:
    first = await fetch(client, shop, "product-page")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "max-age" in first.headers["cache-control"]
    assert "Accept" in first.headers["vary"]

    again = await fetch(client, shop, "product-page", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    as_json = await fetch(client, shop, "product-page", headers={"Accept": "application/json"})
    assert as_json.headers["etag"] != etag

    renamed = await client.patch(
        f"/v1/products/{shop.product}", json={"title": "Noa Mini Backpack II"}, headers=auth(shop.brand.secret_key)
    )
    assert renamed.status_code == 200, renamed.text
    changed = await fetch(client, shop, "product-page", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "Noa Mini Backpack II" in changed.text


# --- what the fragments say -------------------------------------------------------------------


def json_ld(html: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])  # type: ignore[no-any-return]


async def test_product_page_carries_json_ld_for_the_chosen_variant(client: Client, shop: Shop) -> None:
    page = (await fetch(client, shop, "product-page")).text
    ld = json_ld(page)
    assert ld["@context"] == "https://schema.org"
    assert ld["@type"] == "ProductGroup" and ld["productGroupID"] == shop.product
    assert ld["name"] == "Noa Mini Backpack"
    assert ld["brand"]["name"] == shop.brand.brand.name
    assert ld["material"] == ["Calfskin leather", "Recycled PET lining"]
    assert ld["image"] == ["http://testserver/static/demo/images/mini-backpack.svg"]
    offers = {v["sku"]: v["offers"] for v in ld["hasVariant"]}
    tan = offers[shop.tan]
    assert (tan["price"], tan["priceCurrency"], tan["availability"]) == ("125.00", "GBP", "https://schema.org/InStock")
    assert f'data-sk-product="{shop.product}" data-sk-variant="{shop.tan}"' in page
    black_page = json_ld((await fetch(client, shop, "product-page", variant=shop.black)).text)
    black = {v["sku"]: v["offers"] for v in black_page["hasVariant"]}[shop.black]
    assert (black["price"], black["availability"]) == ("135.00", "https://schema.org/OutOfStock")


async def test_product_page_works_without_javascript(client: Client, shop: Shop) -> None:
    page = (await fetch(client, shop, "product-page")).text
    for sku in (shop.tan, shop.black):
        assert f'href="?variant={sku}"' in page
    assert 'data-sk-event="variant_select"' in page
    assert 'hx-get="http://testserver/v1/components/product-page?' in page
    # Availability in words: a count only where it is few enough to matter; the counts stay as data.
    assert "Only 3 left at Columbia Road" in page and 'data-sk-location="columbia-road" data-sk-available="3"' in page
    assert "Delivered to your door by courier" in page and "8 available" not in page
    # The buy box (fulfilment options, promise, add to cart) is one form in the add-to-cart slot;
    # trade-in is still to come.
    slot = r'<div class="sk-product-page__add-to-cart" data-sk-slot="add-to-cart">\s*<div class="sk-add-to-cart"'
    assert re.search(slot, page)
    assert '<form class="sk-add-to-cart__form" method="post"' in page
    assert '<div class="sk-product-page__trade-in" data-sk-slot="trade-in"></div>' in page
    assert "<h1" in page
    assert "<meter" in page and "7.5 out of 10" in page
    assert '<ol class="sk-provenance__timeline">' in page


async def test_stock_says_sold_out_in_words(client: Client, shop: Shop) -> None:
    sold_out = (await fetch(client, shop, "stock", variant=shop.black)).text
    assert "Sold out" in sold_out
    props = (await fetch(client, shop, "stock", headers={"Accept": "application/json"})).json()
    assert (props["status"], props["available"], props["courier"]) == ("in_stock", 8, 8)
    assert props["pickup"] == [
        {
            "location": "columbia-road",
            "name": "Columbia Road",
            "available": 3,
            "message": "Only 3 left at Columbia Road",
        }
    ]
    assert props["drop"] is None


async def test_pairs_well_with_suggests_other_size_classes(client: Client, shop: Shop) -> None:
    props = (await fetch(client, shop, "pairs-well-with", headers={"Accept": "application/json"})).json()
    # Both others differ in size class from the mini backpack. The tote (£180) is nearer its £125
    # than the pouch (£45), but only the pouch is in stock, and stock ranks before price.
    assert [s["product"] for s in props["suggestions"]] == [shop.micro, shop.tote]
    assert [s["in_stock"] for s in props["suggestions"]] == [True, False]
    html = (await fetch(client, shop, "pairs-well-with")).text
    assert f'href="/products/{shop.tote}"' in html  # the brand's own page for it


async def test_lookbook_hotspots_are_labelled_links(client: Client, shop: Shop) -> None:
    html = (await fetch(client, shop, "lookbook")).text
    assert f'href="/products/{shop.product}?variant={shop.tan}"' in html
    assert f'href="/products/{shop.tote}"' in html
    assert 'style="left: 70.0%; top: 56.0%"' in html
    assert "Noa Mini Backpack" in html and "£125.00" in html
    assert "from £180.00" in html
    assert 'data-sk-event="hotspot_select"' in html
    assert (
        f"/v1/components/quick-view?product={shop.product}&amp;variant={shop.tan}&amp;lookbook={shop.lookbook}" in html
    )
    assert "/v1/components/product-page" not in html  # a hotspot opens a quick view, never a second page
