"""A second-hand piece says what it is where the shopper sees it: the badge, the picker, the timeline, JSON-LD."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from components import price, product_page, provenance, variant_picker
from components.structured_data import product_group
from components.theming import available_themes, load_theme
from storefront.catalog import PriceIn
from storefront.catalog.schemas import ProductOut, ProvenanceOut
from storefront.credits import RefurbishIn, TradeInSource, list_refurbished
from tests.commerce import open_shop, post
from tests.components.test_builders import LINKS, make_brand, to_product_out
from tests.components.test_structured_data import RENDERER, json_ld
from tests.conftest import MakeBrand
from tests.factories import product_body

Client = httpx.AsyncClient
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _with_piece(condition: str = "A", note: str = "New strap") -> ProductOut:
    """Tan is new; black is a refurbished piece with its own trade-in and repair steps."""
    body = product_body(sku="RB-1-TAN")
    p = to_product_out(body)
    tan, black = p.variants
    black = msgspec.structs.replace(black, title="Black", condition=condition, condition_note=note, refurbished=True)
    own = [
        ProvenanceOut(
            stage="repair",
            place="Hackney Workshop",
            country="",
            maker="Ana Reyes",
            occurred_on=date(2026, 12, 2),
            sku=black.sku,
            note="new strap",
        ),
        ProvenanceOut(
            stage="trade_in",
            place="Market Street shop",
            country="",
            maker="",
            occurred_on=date(2026, 11, 28),
            sku=black.sku,
        ),
    ]
    return msgspec.structs.replace(p, variants=[tan, black], provenance=[*p.provenance, *own])


def _render(props: product_page.ProductPageProps, theme: str = "default") -> str:
    return RENDERER.render(load_theme(theme), "product_page/product-page.html.jinja", props, "en_GB")


def test_the_badge_is_built_for_a_second_hand_piece_only() -> None:
    p = _with_piece("B", "Edges repainted")
    tan, black = p.variants
    assert price.build(p, tan, LINKS, make_brand()).condition is None
    badge = price.build(p, black, LINKS, make_brand()).condition
    assert badge == price.ConditionBadge(grade="B", kind="Refurbished", wear="Light wear", note="Edges repainted")
    as_is = msgspec.structs.replace(black, condition="D")
    assert price.condition_badge(as_is) == price.ConditionBadge(
        grade="D", kind="Pre-owned", wear="Needs repair", note="Edges repainted"
    )


@pytest.mark.parametrize("theme", available_themes())
def test_the_product_page_says_refurbished_in_words_under_every_theme(theme: str) -> None:
    p = _with_piece()
    html = _render(product_page.build(p, p.variants[1], LINKS, make_brand()), theme)
    assert html.count("Refurbished · Like new") == 1  # once, beside the price, whatever the theme's price is
    assert '<span class="sk-visually-hidden">Repairs done: </span>New strap' in html
    assert 'class="sk-variant-picker__condition">Refurbished</span>' in html  # on the piece's choice
    new = _render(product_page.build(p, p.variants[0], LINKS, make_brand()), theme)
    assert "sk-condition" not in new  # a new bag shows no badge
    assert new.count("sk-variant-picker__condition") == 1  # but the piece's choice still says what it is


def test_the_price_component_alone_carries_the_badge() -> None:
    p = _with_piece("C", "")
    props = price.build(p, p.variants[1], LINKS, make_brand())
    html = RENDERER.render(load_theme("default"), "price/price.html.jinja", props, "en_GB")
    assert "Refurbished · Visible wear" in html
    assert "Repairs done" not in html  # no repairs, no note


def test_the_picker_announces_the_condition_unless_its_title_says_it() -> None:
    p = _with_piece()
    props = variant_picker.build(p, p.variants[1], LINKS, make_brand())
    assert [(c.condition, c.condition_word) for c in props.choices] == [("new", ""), ("A", "Refurbished")]
    titled = msgspec.structs.replace(
        p, variants=[p.variants[0], msgspec.structs.replace(p.variants[1], title="Refurbished, like new")]
    )
    assert variant_picker.build(titled, titled.variants[1], LINKS, make_brand()).choices[1].condition_word == ""


def test_the_timeline_shows_the_pieces_second_life_in_words_on_its_page_alone() -> None:
    p = _with_piece()
    tan, black = p.variants
    steps = provenance.build(p, black, LINKS, make_brand()).steps
    assert [(s.label, s.place) for s in steps] == [
        ("Material", "Santa Croce sull'Arno"),
        ("Assembly", "London"),
        ("Traded in", "Market Street shop"),
        ("Repaired", "Hackney Workshop"),
    ]
    html = RENDERER.render(
        load_theme("default"),
        "provenance/provenance.html.jinja",
        provenance.build(p, black, LINKS, make_brand()),
        "en_GB",
    )
    assert '<p class="sk-provenance__stage">Traded in</p>' in html
    assert '<p class="sk-provenance__maker">By Ana Reyes</p>' in html
    assert '<p class="sk-provenance__note">new strap</p>' in html
    assert [s.stage for s in provenance.build(p, tan, LINKS, make_brand()).steps] == ["material", "assembly"]


@pytest.mark.parametrize(
    ("condition", "schema"),
    [("A", "RefurbishedCondition"), ("C", "RefurbishedCondition"), ("D", "UsedCondition")],
)
def test_structured_data_gives_each_offer_its_condition(condition: str, schema: str) -> None:
    p = _with_piece(condition)
    for shown in p.variants:  # whichever variant is on show, each offer keeps its own condition
        props = product_page.build(p, shown, LINKS, make_brand())
        offers = {v.sku: v.offers.item_condition for v in product_group(props).has_variant}
        assert offers == {
            p.variants[0].sku: "https://schema.org/NewCondition",
            p.variants[1].sku: f"https://schema.org/{schema}",
        }


# --- over HTTP, listed from a trade-in -------------------------------------------------------------


async def test_a_listed_trade_in_shows_its_badge_timeline_and_condition_on_the_page(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    mend = {"handle": "mend", "name": "Mending Room", "kind": "warehouse", "timezone": "Europe/London"}
    await post(client, shop.brand, "/v1/locations", mend)
    source = TradeInSource(
        trade_in_id=uuid.uuid4(),
        grade="A",
        category="mini-backpack",
        size_class="mini",
        material="calfskin",
        description="",
        own_brand=True,
        product=shop.product,
        received_at=NOW - timedelta(days=4),
        accepted_at=NOW - timedelta(days=2),
        place="Market Street",
    )
    data = RefurbishIn(
        product=shop.product,
        sku="RF-HTTP-1",
        price=PriceIn(amount=8_000, currency="GBP"),
        location="mend",
        repairs=["new zip"],
        repaired_by="Ana Reyes",
    )
    await list_refurbished(shop.brand.brand.id, source, data, now=NOW, actor="key:staff")

    params: dict[str, Any] = {"product": shop.product, "variant": "RF-HTTP-1", "key": shop.brand.publishable_key}
    page = await client.get("/v1/components/product-page", params=params)
    assert page.status_code == 200, page.text
    assert "Refurbished · Like new" in page.text
    assert "new zip" in page.text
    assert '<p class="sk-provenance__stage">Traded in</p>' in page.text
    assert '<p class="sk-provenance__stage">Repaired</p>' in page.text
    offers = {v["sku"]: v["offers"]["itemCondition"] for v in json_ld(page.text)["hasVariant"]}
    assert offers["RF-HTTP-1"] == "https://schema.org/RefurbishedCondition"
    assert offers[shop.sku] == "https://schema.org/NewCondition"

    new = await client.get("/v1/components/product-page", params=params | {"variant": shop.sku})
    assert "Refurbished · " not in new.text
    assert "Traded in" not in new.text  # the piece's story is its own

    as_json = await client.get("/v1/components/price", params=params, headers={"Accept": "application/json"})
    assert as_json.json()["condition"] == {"grade": "A", "kind": "Refurbished", "wear": "Like new", "note": "new zip"}
