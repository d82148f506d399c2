"""The product page as a boutique shows it: a gallery to choose from, swatches, availability in words,
details folded beside the buy box and a buy bar for phones, each built without script."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import msgspec

from components import gallery, product_page, stock, variant_picker
from components.rendering import Renderer
from components.theming import available_themes, load_theme
from storefront.catalog.schemas import Image
from tests.components.test_builders import LINKS, make_brand, product, to_product_out
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

VIEWS = [Image(url=f"/static/demo/images/views/bag-{v}.svg", alt=f"The bag, {v}") for v in ("front", "side", "worn")]


def _render(
    props: msgspec.Struct, template: str = "product_page/product-page.html.jinja", theme: str = "default"
) -> str:
    return Renderer().render(load_theme(theme), template, props, "en_GB")


def _page(**body: object) -> product_page.ProductPageProps:
    p = product(**body)
    tan, black = p.variants
    p = msgspec.structs.replace(p, variants=[msgspec.structs.replace(tan, images=VIEWS, swatch="#b5773f"), black])
    return product_page.build(p, p.variants[0], LINKS, make_brand())


def test_every_picture_has_a_labelled_radio_and_the_first_is_chosen() -> None:
    html = _render(_page())
    radios = re.findall(r'<input class="sk-gallery__radio" type="radio" name="([^"]+)" value="(\d)"( checked)?>', html)
    assert [(value, bool(checked)) for _, value, checked in radios] == [("1", True), ("2", False), ("3", False)]
    assert len({name for name, _, _ in radios}) == 1  # one group: arrow keys move through it
    assert 'role="radiogroup" aria-label="Choose a photo"' in html
    assert "Photo 2 of 3: The bag, side" in html  # each thumbnail's label says which picture it shows
    assert html.count('class="sk-gallery__image"') == 3


def test_a_single_picture_has_no_thumbnails() -> None:
    p = product()
    html = _render(gallery.build(p, p.variants[0], LINKS, make_brand()), "gallery/gallery.html.jinja")
    assert "sk-gallery__thumbs" not in html and "sk-gallery--views" not in html


def test_swatches_show_their_colour_and_a_price_only_where_it_differs() -> None:
    body = product_body(price=12_500)
    body["variants"][1]["price"]["amount"] = 13_500
    p = to_product_out(body, {body["variants"][0]["sku"]: [("columbia-road", "shop", 2)]})
    tan, black = p.variants
    p = msgspec.structs.replace(p, variants=[msgspec.structs.replace(tan, swatch="#b5773f"), black])
    props = variant_picker.build(p, p.variants[0], LINKS, make_brand())
    assert [(c.swatch, c.price_differs, c.available) for c in props.choices] == [
        ("#b5773f", False, True),
        ("", True, False),
    ]
    html = _render(props, "variant_picker/variant-picker.html.jinja")
    assert 'style="background-color: #b5773f"' in html
    assert html.count("sk-variant-picker__swatch") == 1  # no colour given: the name alone
    assert "£135.00" in html and 'class="sk-variant-picker__price">£125.00' not in html
    assert "Sold out" in html and "sk-is-sold-out" in html  # in words, and struck through by the stylesheet


def test_availability_is_said_in_words() -> None:
    assert stock.pickup_message(9, "Columbia Road") == "Ready to collect at Columbia Road"
    assert stock.pickup_message(2, "Columbia Road") == "Only 2 left at Columbia Road"
    assert stock.pickup_message(0, "Columbia Road") == "Not at Columbia Road"
    assert stock.courier_message(16) == "Delivered to your door by courier"
    assert stock.courier_message(0) == ""
    assert stock.place_name("Maison Hollis, Columbia Road", "Maison Hollis") == "Columbia Road"
    assert stock.place_name("Maison Hollis", "Maison Hollis") == "Maison Hollis"
    assert stock.place_name("Hoxton Market", "Maison Hollis") == "Hoxton Market"


def test_details_fold_away_under_the_buy_box_with_their_gist_in_the_summary() -> None:
    html = _render(_page())
    summary = html.index('class="sk-product-page__summary"')
    details = re.findall(r'<details class="sk-product-page__detail [^"]+"( open)?>', html)
    assert len(details) == 4 and [bool(o) for o in details] == [True, False, False, False]
    assert html.index("sk-product-page__details") > html.index('data-sk-slot="add-to-cart"') > summary
    # Inside a <details>, the summary is the heading: the part's own <h2> is left out, not hidden.
    assert (
        '<h2 class="sk-materials__heading">' not in html
        and '<h2 class="sk-product-page__detail-title">Materials</h2>' in html
    )


def test_a_part_rendered_alone_keeps_its_own_heading() -> None:
    page = _page()
    assert '<h2 class="sk-materials__heading">Materials</h2>' in _render(
        page.materials, "materials/materials.html.jinja"
    )


def test_the_buy_bar_submits_the_buy_box_form_and_no_id_repeats() -> None:
    page = _page()
    page = msgspec.structs.replace(page, add_to_cart=msgspec.structs.replace(page.add_to_cart, available=True))
    for theme in available_themes():
        html = _render(page, theme=theme)
        form = re.search(r'<form class="sk-add-to-cart__form"[^>]* id="([^"]+)"', html)
        assert form is not None
        assert f'<button class="sk-button sk-product-page__bar-button" type="submit" form="{form[1]}">' in html
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == []


def test_a_sold_out_page_says_so_in_the_bar_instead_of_a_button() -> None:
    p = product()
    html = _render(product_page.build(p, p.variants[0], LINKS, make_brand()))
    assert "sk-product-page__bar-button" not in html
    assert '<p class="sk-product-page__bar-note">Sold out</p>' in html


async def test_a_swatch_colour_is_set_through_the_catalogue_api_and_checked(
    client: httpx.AsyncClient, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    body = product_body()
    body["variants"][0]["swatch"] = "url(https://evil.example/x)"
    refused = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert refused.status_code == 422, refused.text
    body["variants"][0]["swatch"] = "#b5773f"
    made = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert made.status_code == 201, made.text
    assert [v["swatch"] for v in made.json()["variants"]] == ["#b5773f", ""]
