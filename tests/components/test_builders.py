"""The components' pure builders and rules, on products built in memory: no database, no HTTP."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest

from components import (
    gallery,
    lookbook,
    materials,
    pairs_well_with,
    price,
    product_page,
    provenance,
    repairability,
    size_guide,
    stock,
    variant_picker,
)
from components.context import Links, select_variant
from components.rendering import Renderer
from components.theming import load_theme
from storefront.catalog import rules
from storefront.catalog.schemas import (
    Dimensions,
    Image,
    LocationStock,
    MaterialOut,
    ProductIn,
    ProductOut,
    ProductSummary,
    ProvenanceOut,
    RepairabilityOut,
    VariantOut,
    VariantStock,
)
from storefront.errors import InvalidInput
from storefront.lookbooks.schemas import Hotspot, LookbookOut, LookItemOut, LookOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut
from tests.factories import product_body

LINKS = Links(api_base="https://api.stallkit.test", key="pk_test")
Level = tuple[str, str, int]  # (location handle, kind, available)


def make_brand(locale: str = "en_GB", currency: str = "GBP") -> BrandOut:
    return BrandOut(
        id=uuid.uuid4(),
        handle="maison-test",
        name="Maison Test",
        currency=currency,
        locale=locale,
        timezone="Europe/London",
        theme="default",
        theme_tokens={},
        allowed_origins=[],
    )


def variant_stock(levels: list[Level], made_to_order: bool = False) -> VariantStock:
    """Mirrors the catalogue service's sums: stalls never count, shops pick up, shops and warehouses ship."""
    return VariantStock(
        available=sum(n for _, kind, n in levels if kind != "stall"),
        pickup=sum(n for _, kind, n in levels if kind == "shop"),
        courier=sum(n for _, kind, n in levels if kind in ("shop", "warehouse")),
        made_to_order=made_to_order,
        by_location=[LocationStock(location=loc, kind=kind, available=n) for loc, kind, n in levels],
    )


def to_product_out(
    body: dict[str, Any], levels: dict[str, list[Level]] | None = None, made_to_order: bool = False
) -> ProductOut:
    """A request body (as in ``tests.factories``) as the catalogue would return it, with the given stock."""
    data = msgspec.convert(body, ProductIn)
    levels = levels or {}
    variants = [
        VariantOut(
            id=uuid.uuid4(),
            sku=v.sku,
            title=v.title,
            options=dict(v.options),
            price=Money(amount=v.price.amount, currency=v.price.currency),
            compare_at_price=(
                Money(amount=v.compare_at_price.amount, currency=v.compare_at_price.currency)
                if v.compare_at_price
                else None
            ),
            weight_g=v.weight_g,
            stock=variant_stock(levels.get(v.sku, []), made_to_order),
        )
        for v in data.variants
    ]
    repair = data.repairability
    breakdown = {name: getattr(repair, name) for name in rules.REPAIR_WEIGHTS} if repair is not None else {}
    return ProductOut(
        id=uuid.uuid4(),
        handle=data.handle or re.sub(r"[^a-z0-9]+", "-", data.title.lower()).strip("-"),
        title=data.title,
        story=data.story,
        category=data.category,
        dimensions=data.dimensions,
        size_class=rules.size_class(**msgspec.structs.asdict(data.dimensions)),
        images=list(data.images),
        made_to_order=made_to_order,
        price_from=min((v.price for v in variants), key=lambda m: m.amount),
        in_stock=any(v.stock.available > 0 or v.stock.made_to_order for v in variants),
        variants=variants,
        materials=[MaterialOut(**msgspec.structs.asdict(m)) for m in data.materials],
        provenance=[ProvenanceOut(**msgspec.structs.asdict(p)) for p in data.provenance],
        repairability=(
            RepairabilityOut(
                score=str(rules.repairability_score(breakdown)),
                breakdown=breakdown,
                weights=dict(rules.REPAIR_WEIGHTS),
                replaceable_parts=list(repair.replaceable_parts),
                repair_guide_url=repair.repair_guide_url,
                service_partner=repair.service_partner,
            )
            if repair is not None
            else None
        ),
        updated_at=datetime(2026, 2, 1, tzinfo=UTC),
    )


def product(levels: dict[str, list[Level]] | None = None, made_to_order: bool = False, **body: Any) -> ProductOut:
    return to_product_out(product_body(**body), levels, made_to_order)


def summary(
    handle: str, size_class: rules.SizeClass, amount: int, in_stock: bool = True, currency: str = "GBP"
) -> ProductSummary:
    return ProductSummary(
        id=uuid.uuid4(),
        handle=handle,
        title=handle.replace("-", " ").title(),
        category="bag",
        size_class=size_class,
        image=Image(url=f"/static/demo/images/{handle}.svg", alt=""),
        price_from=Money(amount=amount, currency=currency),
        in_stock=in_stock,
        materials=[],
    )


# --- variant selection, price, picker ---------------------------------------------------------


def test_select_variant_prefers_the_requested_sku_then_the_first_in_stock() -> None:
    p = product(sku="MB-1-TAN")
    assert select_variant(p, None).sku == "MB-1-TAN"  # nothing in stock: the first
    body = product_body(sku="MB-2-TAN")
    black = body["variants"][1]["sku"]
    stocked = to_product_out(body, {black: [("shop-a", "shop", 1)]})
    assert select_variant(stocked, None).sku == black
    assert select_variant(stocked, "MB-2-TAN").sku == "MB-2-TAN"
    with pytest.raises(InvalidInput):
        select_variant(stocked, "NOPE")


def test_price_shows_a_compare_at_price_only_when_it_is_a_sale() -> None:
    p = product(price=12_500)
    tan, black = p.variants
    plain = price.build(p, tan, LINKS, make_brand())
    assert plain.price == Money(amount=12_500, currency="GBP")
    assert plain.compare_at_price is None
    assert plain.saving_pct is None
    sale = price.build(p, black, LINKS, make_brand())
    assert sale.price.amount == 13_500
    assert sale.compare_at_price == Money(amount=15_500, currency="GBP")
    assert sale.saving_pct == 13  # 2,000 off 15,500


def test_variant_picker_links_work_without_script_and_swap_the_product_page() -> None:
    p = product(sku="MB-9-TAN")
    black = p.variants[1]
    props = variant_picker.build(p, black, LINKS, make_brand(), swap_component="product-page")
    assert [c.href for c in props.choices] == ["?variant=MB-9-TAN", f"?variant={black.sku}"]
    assert [c.selected for c in props.choices] == [False, True]
    assert props.choices[0].swap_url.startswith("https://api.stallkit.test/v1/components/product-page?")
    assert "variant=MB-9-TAN" in props.choices[0].swap_url
    assert "key=pk_test" in props.choices[0].swap_url


# --- gallery -----------------------------------------------------------------------------------


def test_gallery_makes_image_urls_absolute_and_never_leaves_alt_empty() -> None:
    p = product(
        images=[
            {"url": "/static/demo/images/a.svg", "alt": "Front, tan"},
            {"url": "https://cdn.example/b.jpg"},
        ]
    )
    props = gallery.build(p, p.variants[1], LINKS, make_brand())
    assert [i.url for i in props.images] == [
        "https://api.stallkit.test/static/demo/images/a.svg",
        "https://cdn.example/b.jpg",
    ]
    assert [i.alt for i in props.images] == ["Front, tan", p.title]  # the product's photo: no colour claimed
    assert props.variant_title == "Black"
    assert props.sku == p.variants[1].sku


# --- stock -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "made_to_order", "status", "message"),
    [
        (12, False, "in_stock", "In stock"),
        (4, False, "in_stock", "In stock"),
        (3, False, "low_stock", "Only 3 left"),
        (2, True, "low_stock", "Only 2 left"),
        (0, True, "made_to_order", "Made to order"),
        (0, False, "sold_out", "Sold out"),
    ],
)
def test_stock_status(available: int, made_to_order: bool, status: str, message: str) -> None:
    assert stock.status_of(available, made_to_order) == (status, message)


def test_stock_lists_shops_for_pickup_and_counts_courier_units() -> None:
    levels: list[Level] = [
        ("columbia-road", "shop", 3),
        ("deptford-market", "stall", 9),
        ("hoxton", "shop", 0),
        ("northampton", "warehouse", 12),
    ]
    p = product(sku="ST-1-TAN", levels={"ST-1-TAN": levels})
    props = stock.build(p, p.variants[0], LINKS, make_brand(), {"columbia-road": "Columbia Road"})
    assert props.status == "in_stock"
    assert props.available == 15  # the stall's units are sold at the stall
    assert props.courier == 15
    assert [(line.name, line.available) for line in props.pickup] == [("Columbia Road", 3), ("Hoxton", 0)]
    assert props.drop is None  # drops are not in the data model yet


def test_stock_of_a_made_to_order_variant_with_nothing_in_hand() -> None:
    p = product(made_to_order=True)
    props = stock.build(p, p.variants[0], LINKS, make_brand())
    assert (props.status, props.message, props.made_to_order) == ("made_to_order", "Made to order", True)
    assert props.pickup == []


def test_stock_renders_a_limited_drop_when_one_is_given() -> None:
    p = product()
    props = msgspec.structs.replace(
        stock.build(p, p.variants[0], LINKS, make_brand()),
        drop=stock.StockDrop(
            total=50,
            remaining=12,
            starts_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
            ends_at=datetime(2026, 3, 8, 18, tzinfo=UTC),
        ),
    )
    html = Renderer().render(load_theme("default"), "stock/stock.html.jinja", props, "en_GB")
    assert "12 of 50 left" in html
    assert "1 March 2026" in html
    assert "8 March 2026" in html
    assert "Sold out" in html


# --- materials, provenance, repairability ------------------------------------------------------


def test_materials_name_countries_in_the_brand_locale() -> None:
    p = product()
    english = materials.build(p, p.variants[0], LINKS, make_brand("en_GB"))
    assert [(m.material, m.share_pct, m.country) for m in english.lines] == [
        ("Calfskin leather", 85, "Italy"),
        ("Recycled PET lining", 15, "United States"),
    ]
    assert english.lines[0].origin == "Conceria Walpier"
    assert english.lines[0].certifications == ["LWG Gold"]
    french = materials.build(p, p.variants[0], LINKS, make_brand("fr_FR", "EUR"))
    assert french.lines[0].country == "Italie"
    assert materials.country_name("", "en_GB") == ""
    assert materials.country_name("GB", "not_A_LOCALE") == "United Kingdom"


def test_provenance_reads_from_material_to_dispatch() -> None:
    p = product(
        provenance=[
            {"stage": "dispatch", "place": "Northampton", "country": "GB", "occurred_on": "2026-02-10"},
            {"stage": "material", "place": "Santa Croce sull'Arno", "country": "IT", "maker": "Conceria Walpier"},
            {"stage": "qc", "place": "Hackney", "country": "GB"},
            {"stage": "assembly", "place": "Hackney", "country": "GB"},
        ]
    )
    props = provenance.build(p, p.variants[0], LINKS, make_brand())
    assert [s.label for s in props.steps] == ["Material", "Assembly", "Quality check", "Dispatch"]
    assert props.steps[0].country == "Italy"
    assert props.steps[-1].occurred_on == date(2026, 2, 10)
    html = Renderer().render(load_theme("default"), "provenance/provenance.html.jinja", props, "en_GB")
    assert html.index("Material") < html.index("Dispatch")
    assert "<ol" in html
    assert '<time datetime="2026-02-10">10 February 2026</time>' in html


def test_repairability_breakdown_is_weighted_heaviest_first() -> None:
    p = product()
    props = repairability.build(p, p.variants[0], LINKS, make_brand())
    assert props.disclosed
    assert props.score == "7.5"
    assert [(c.key, c.score, c.weight_pct) for c in props.criteria] == [
        ("parts_availability", 8, 35),
        ("modularity", 7, 30),
        ("ease_of_repair", 6, 20),
        ("documentation", 9, 15),
    ]
    assert props.replaceable_parts == ["strap", "zip puller"]
    assert props.repair_guide_url == "https://example.com/r"
    bare = product(repairability=None)
    undisclosed = repairability.build(bare, bare.variants[0], LINKS, make_brand())
    assert (undisclosed.disclosed, undisclosed.score, undisclosed.criteria) == (False, None, [])


# --- size guide --------------------------------------------------------------------------------


def test_fits_sorts_both_triples_and_keeps_an_allowance() -> None:
    bag = (95, 45, 70)  # the Noa micro bag
    assert size_guide.fits((85, 22, 22), bag)  # lipstick
    assert size_guide.fits((40, 90, 20), bag)  # keys, turned any way round
    assert not size_guide.fits((105, 75, 10), bag)  # a card holder is longer than the bag
    # The allowance is exact: 5 mm less than the bag fits, 4 mm less doesn't.
    assert size_guide.fits((90, 40, 65), bag)
    assert not size_guide.fits((91, 40, 65), bag)
    assert not size_guide.fits((90, 41, 65), bag)
    assert size_guide.fits((95, 45, 70), bag, allowance_mm=0)


def test_what_fits_in_a_micro_bag_a_mini_backpack_and_a_tote() -> None:
    def fitting(length: int, width: int, height: int) -> set[str]:
        dims = Dimensions(length_mm=length, width_mm=width, height_mm=height)
        return {i.name for i in size_guide.what_fits(dims) if i.fits}

    assert fitting(95, 45, 70) == {"Bank card", "AirPods case", "Lipstick", "Keys"}
    mini = fitting(170, 90, 195)
    assert {"Phone", "Passport", "Card holder"} <= mini
    assert "A5 notebook" not in mini
    tote = fitting(420, 150, 340)
    assert {"13-inch laptop", "A4 folder", "Water bottle"} <= tote


def test_size_guide_props_state_the_class_rule_and_centimetres_per_locale() -> None:
    p = product(dimensions={"length_mm": 95, "width_mm": 45, "height_mm": 70})
    props = size_guide.build(p, p.variants[0], LINKS, make_brand())
    assert (props.size_class, props.size_class_label) == ("micro", "Micro")
    assert "under 10 cm" in props.size_class_rule
    assert [m.cm for m in props.measurements] == ["9.5", "4.5", "7"]
    french = size_guide.build(p, p.variants[0], LINKS, make_brand("fr_FR", "EUR"))
    assert french.measurements[0].cm == "9,5"
    assert len(props.items) == len(size_guide.EVERYDAY_ITEMS)


# --- pairs well with ---------------------------------------------------------------------------


def test_pairs_prefer_another_size_class_then_stock_then_the_closest_price() -> None:
    current = product(price=12_500, length_mm=180)  # a mini backpack at £125
    assert current.size_class == "mini"
    candidates = [
        summary(current.handle, "micro", 12_500),  # itself: never suggested
        summary("same-class", "mini", 12_500),  # same size class: last resort
        summary("sold-out-micro", "micro", 12_400, in_stock=False),
        summary("far-tote", "oversized", 40_000),
        summary("near-micro", "micro", 9_500),
        summary("near-tote", "oversized", 16_000),
        summary("dollar-micro", "micro", 12_500, currency="USD"),
    ]
    ranked = pairs_well_with.rank(current, candidates)
    assert [c.handle for c in ranked] == ["near-micro", "near-tote", "far-tote"]
    everything = pairs_well_with.rank(current, candidates, limit=10)
    assert [c.handle for c in everything] == ["near-micro", "near-tote", "far-tote", "sold-out-micro", "same-class"]


def test_pairs_break_price_ties_by_handle_and_build_host_links() -> None:
    current = product(price=10_000, length_mm=180)
    candidates = [summary("b-pouch", "micro", 9_000), summary("a-pouch", "micro", 11_000)]
    props = pairs_well_with.build(current, current.variants[0], LINKS, make_brand(), candidates)
    assert [s.product for s in props.suggestions] == ["a-pouch", "b-pouch"]
    first = props.suggestions[0]
    assert first.href == "/products/a-pouch"  # the brand's own page for it, by its product URL template
    custom = msgspec.structs.replace(make_brand(), product_url_template="https://shop.example/p/{handle}.html")
    assert pairs_well_with.build(current, current.variants[0], LINKS, custom, candidates).suggestions[0].href == (
        "https://shop.example/p/a-pouch.html"
    )
    assert first.image_url == "https://api.stallkit.test/static/demo/images/a-pouch.svg"
    assert first.size_class_label == "Micro"
    assert pairs_well_with.build(current, current.variants[0], LINKS, make_brand()).suggestions == []


# --- product page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "made_to_order", "expected"),
    [
        ([("shop-a", "shop", 2)], False, "https://schema.org/InStock"),
        ([("shop-a", "shop", 2)], True, "https://schema.org/InStock"),
        ([], True, "https://schema.org/PreOrder"),
        ([("shop-a", "shop", 0)], False, "https://schema.org/OutOfStock"),
        ([("stall-a", "stall", 5)], False, "https://schema.org/OutOfStock"),
    ],
)
def test_json_ld_availability(levels: list[Level], made_to_order: bool, expected: str) -> None:
    p = to_product_out(product_body(sku="LD-1-TAN"), {"LD-1-TAN": levels}, made_to_order)
    assert product_page.availability(p.variants[0]) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (12_500, "GBP", "125.00"),
        (9, "EUR", "0.09"),
        (0, "GBP", "0.00"),
        (12_500, "JPY", "12500"),
        (1_234, "KWD", "1.234"),
    ],
)
def test_json_ld_price_is_a_decimal_string_in_major_units(amount: int, currency: str, expected: str) -> None:
    assert product_page.decimal_price(Money(amount=amount, currency=currency)) == expected


def test_product_page_composes_the_components_for_the_chosen_variant() -> None:
    p = product(
        sku="PP-1-TAN",
        price=12_500,
        story="First paragraph.\n\nSecond paragraph.\n\n",
        levels={"PP-1-TAN": [("columbia-road", "shop", 3)]},
    )
    tan, black = p.variants
    candidates = [summary("tiny", "micro", 9_000)]
    props = product_page.build(p, black, LINKS, make_brand(), {"columbia-road": "Columbia Road"}, candidates)
    assert (props.product, props.sku, props.title) == (p.handle, black.sku, p.title)
    assert props.story == ["First paragraph.", "Second paragraph."]
    assert props.price.compare_at_price == Money(amount=15_500, currency="GBP")
    assert props.gallery.variant_title == "Black"
    assert props.stock.status == "sold_out"
    assert all("/v1/components/product-page?" in c.swap_url for c in props.variant_picker.choices)
    assert props.pairs_well_with.suggestions[0].product == "tiny"

    ld = props.json_ld
    assert (ld.name, ld.sku, ld.brand.name) == (p.title, black.sku, "Maison Test")
    assert ld.material == "Calfskin leather, Recycled PET lining"
    assert ld.image == ["https://api.stallkit.test/static/demo/images/mini-backpack.svg"]
    assert (ld.offers.price, ld.offers.price_currency) == ("135.00", "GBP")
    assert ld.offers.availability == "https://schema.org/OutOfStock"
    encoded = json.loads(msgspec.json.encode(ld))
    assert encoded["@context"] == "https://schema.org"
    assert encoded["@type"] == "Product"
    assert encoded["offers"]["@type"] == "Offer"
    assert encoded["offers"]["priceCurrency"] == "GBP"
    assert "url" not in encoded["offers"]

    in_stock = product_page.build(p, tan, LINKS, make_brand())
    assert in_stock.json_ld.offers.availability == "https://schema.org/InStock"
    assert in_stock.stock.pickup[0].name == "Columbia Road"  # the handle, title-cased, without names


def test_product_page_json_ld_cannot_close_its_script_element() -> None:
    p = product(story="Nice</script><script>alert(1)</script>")
    props = product_page.build(p, p.variants[0], LINKS, make_brand())
    html = Renderer().render(load_theme("default"), "product_page/product-page.html.jinja", props, "en_GB")
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["description"] == "Nice</script><script>alert(1)</script>"
    assert html.count("</script>") == 1
    assert html.count('<script type="application/ld+json">') == 1


def test_product_page_json_ld_escapes_every_less_than_sign() -> None:
    p = product(story="<!--<script>")
    props = product_page.build(p, p.variants[0], LINKS, make_brand())
    html = Renderer().render(load_theme("default"), "product_page/product-page.html.jinja", props, "en_GB")
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block)["description"] == "<!--<script>"
    assert "<" not in block


# --- lookbook ----------------------------------------------------------------------------------


def test_lookbook_hotspots_link_to_products_at_per_mille_positions() -> None:
    book = LookbookOut(
        id=uuid.uuid4(),
        handle="autumn",
        title="Autumn",
        description="Three days in East London.",
        looks=[
            LookOut(
                id=uuid.uuid4(),
                title="Sunday on Columbia Road",
                occasion="casual",
                image="/static/demo/images/look-casual.svg",
                bundle_discount_bp=0,
                items=[
                    LookItemOut(
                        product="columbia-tote",
                        product_title="Columbia Tote",
                        variant="MH-COL-NAT",
                        price=Money(amount=24_000, currency="GBP"),
                        hotspot=Hotspot(x=700, y=565),
                        note="Big enough for flowers",
                    ),
                    LookItemOut(
                        product="wren-mini-backpack",
                        product_title="Wren Mini Backpack",
                        variant=None,
                        price=Money(amount=15_000, currency="GBP"),
                        hotspot=Hotspot(x=0, y=1000),
                        note="",
                    ),
                ],
            )
        ],
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    props = lookbook.build(book, LINKS, make_brand())
    look = props.looks[0]
    assert look.image == "https://api.stallkit.test/static/demo/images/look-casual.svg"
    assert look.occasion_label == "Casual"
    assert look.image_alt == "Sunday on Columbia Road: Columbia Tote, Wren Mini Backpack"
    tote, pack = look.hotspots
    assert (tote.left_pct, tote.top_pct) == ("70.0", "56.5")
    assert (pack.left_pct, pack.top_pct) == ("0.0", "100.0")
    assert tote.href == "/products/columbia-tote?variant=MH-COL-NAT"  # the brand's own product page
    assert pack.href == "/products/wren-mini-backpack"
    assert (tote.id, pack.id) == ("sk-lookbook-autumn-spot-1-1", "sk-lookbook-autumn-spot-1-2")
    assert tote.quick_view_url == (
        "https://api.stallkit.test/v1/components/quick-view"
        "?product=columbia-tote&variant=MH-COL-NAT&lookbook=autumn&key=pk_test"
    )
    assert (tote.price_is_from, pack.price_is_from) == (False, True)

    html = Renderer().render(load_theme("default"), "lookbook/lookbook.html.jinja", props, "en_GB")
    assert 'style="left: 70.0%; top: 56.5%"' in html
    assert 'href="/products/columbia-tote?variant=MH-COL-NAT"' in html
    assert "from £150.00" in html
    assert "£240.00" in html
