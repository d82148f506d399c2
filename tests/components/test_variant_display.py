"""What the shopper sees of the chosen variant: its own photographs, a true caption, a word to announce."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import msgspec

from components import gallery, product_page, variant_picker
from storefront.catalog.schemas import Image
from storefront.demo import catalogue
from tests.components.test_builders import LINKS, make_brand, product
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
BLACK_PHOTO = Image(url="/static/demo/images/variants/mb-black.svg", alt="The backpack in black")


def _with_black_photo(**body: Any) -> Any:
    p = product(**body)
    tan, black = p.variants
    return msgspec.structs.replace(p, variants=[tan, msgspec.structs.replace(black, images=[BLACK_PHOTO])])


# --- builders ----------------------------------------------------------------------------------


def test_gallery_shows_the_variants_own_photo_and_says_so() -> None:
    p = _with_black_photo()
    props = gallery.build(p, p.variants[1], LINKS, make_brand())
    assert [i.url for i in props.images] == ["https://api.stallkit.test/static/demo/images/variants/mb-black.svg"]
    assert props.shown_in == "Black"


def test_gallery_falls_back_to_the_products_photos_without_naming_a_colour() -> None:
    """The product's photo may picture another colour: "Shown in Tan" under it could be a lie."""
    p = _with_black_photo(images=[{"url": "https://cdn.example/front.jpg"}])
    props = gallery.build(p, p.variants[0], LINKS, make_brand())
    assert [i.url for i in props.images] == ["https://cdn.example/front.jpg"]
    assert props.shown_in is None
    assert props.images[0].alt == p.title  # not "..., Tan": nothing says the photo is of the tan one


def test_product_page_json_ld_pictures_the_chosen_variant() -> None:
    p = _with_black_photo()
    black = product_page.build(p, p.variants[1], LINKS, make_brand())
    assert black.json_ld.image == ["https://api.stallkit.test/static/demo/images/variants/mb-black.svg"]
    tan = product_page.build(p, p.variants[0], LINKS, make_brand())
    assert tan.json_ld.image == ["https://api.stallkit.test/static/demo/images/mini-backpack.svg"]


def test_variant_choices_carry_their_titles_for_the_announcement() -> None:
    p = product()
    props = variant_picker.build(p, p.variants[1], LINKS, make_brand())
    assert [(c.title, c.selected) for c in props.choices] == [("Tan", False), ("Black", True)]


# --- over HTTP ---------------------------------------------------------------------------------


async def _shop(client: Client, make_brand: MakeBrand) -> tuple[str, str, str, str]:
    brand = await make_brand()
    body = product_body(title="Vale Backpack", price=9_500)
    body["variants"][1]["images"] = [msgspec.to_builtins(BLACK_PHOTO)]
    made = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert made.status_code == 201, made.text
    tan, black = (v["sku"] for v in made.json()["variants"])
    return brand.publishable_key, made.json()["handle"], tan, black


async def test_choosing_a_colour_swaps_in_its_photo_and_caption(client: Client, make_brand: MakeBrand) -> None:
    key, handle, tan, black = await _shop(client, make_brand)
    page = await client.get("/v1/components/product-page", params={"product": handle, "variant": black, "key": key})
    assert page.status_code == 200
    assert 'src="http://testserver/static/demo/images/variants/mb-black.svg"' in page.text
    assert 'alt="The backpack in black"' in page.text
    assert "Shown in Black" in page.text

    other = await client.get("/v1/components/product-page", params={"product": handle, "variant": tan, "key": key})
    assert "mb-black.svg" not in other.text
    assert "Shown in" not in other.text  # the product's photo: no colour claimed


async def test_the_selected_choice_says_what_was_chosen_in_words(client: Client, make_brand: MakeBrand) -> None:
    key, handle, _, black = await _shop(client, make_brand)
    page = await client.get("/v1/components/variant-picker", params={"product": handle, "variant": black, "key": key})
    announced = re.findall(r'data-sk-announce="([^"]*)"', page.text)
    assert announced == ["Black selected, £105.00, sold out"]  # one: on the selected link only
    selected = re.search(r"<a [^>]*aria-current=\"true\"[^>]*>", page.text)
    assert selected is not None and f'data-sk-variant="{black}"' in selected.group(0)


# --- the demo catalogue -----------------------------------------------------------------------


def test_every_demo_colour_has_a_picture_of_that_colour() -> None:
    for p in catalogue.PRODUCTS:
        for v in p.variants:
            colour = v.options.get("colour")
            assert v.images, v.sku
            assert colour is None or colour in v.images[0].alt.lower(), (v.sku, v.images[0].alt)


def test_demo_variant_drawings_are_small_self_contained_svgs_naming_their_colour() -> None:
    drawn = sorted(catalogue.VARIANT_IMAGES_DIR.glob("*.svg"))
    assert drawn
    skus = {v.sku.lower(): v for p in catalogue.PRODUCTS for v in p.variants}
    for path in drawn:
        variant = skus[path.stem]  # every drawing belongs to a variant of the catalogue
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) < 2048
        root = ET.fromstring(text)  # noqa: S314 - our own files, checked in
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and variant.options["colour"] in (title.text or "")
        assert root.find(".//{http://www.w3.org/2000/svg}script") is None
        assert "href" not in text and "url(" not in text


async def test_demo_variant_drawings_are_served(client: Client) -> None:
    url = catalogue.PRODUCTS[0].variants[1].images[0].url
    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
