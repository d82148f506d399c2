"""Every way a promise or a refusal reaches the buy box says it in words, and never leaves an old promise up.

Over HTTP, with a shop from :mod:`tests.commerce` (Market Street holds the first variant, the
warehouse the second; couriers serve E1, E2 and E8). The paths: the ``fulfilment-promise`` and
``fulfilment-options`` GETs that htmx sends when the shopper types a postcode or switches method,
and the ``add-to-cart`` form action. A postcode that cannot be one and one we don't serve get
different words; neither ever shows an engine code such as ``postcode_not_served``.
"""

from __future__ import annotations

import re

import httpx

from components import fulfilment_options
from storefront.fulfilment import messages
from tests.commerce import open_shop
from tests.components.test_cart_components import add_fields, cart_json, cart_of, fragment, post_form, text_of
from tests.conftest import MakeBrand

Client = httpx.AsyncClient
RAW_CODE = re.compile(r"postcode_not_served|postcode_invalid|no_courier_stock|Postcode_", re.IGNORECASE)
PROMISED = re.compile(r"Order within|Order by|[Dd]elivery (today|tomorrow|on)|Ready to collect")


def promise_of(html: str) -> str:
    """The text of the (one) promise in a fragment."""
    found = re.findall(r'<div class="sk-fulfilment-promise[^"]*"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert len(found) == 1, f"expected one promise, found {len(found)}"
    return text_of(found[0]).strip()


async def test_a_postcode_that_cannot_be_one_replaces_the_promise_with_words(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    for typed in ("E2 7R", "E2", "ZZZZ"):
        response = await fragment(
            client, shop, "fulfilment-promise", product=shop.product, variant=shop.sku, method="courier", postcode=typed
        )
        assert response.status_code == 200, response.text  # htmx swaps it: no stale promise stays up
        words = promise_of(response.text)
        assert words.startswith(messages.MALFORMED_POSTCODE.rstrip(".")), words
        assert "you can collect it at Market Street instead." in words  # what is possible, named
        assert not PROMISED.search(words) and not RAW_CODE.search(response.text)
        assert "sk-fulfilment-promise--unavailable" in response.text


async def test_a_postcode_we_dont_serve_is_named_with_what_is_possible(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    response = await fragment(
        client, shop, "fulfilment-promise", product=shop.product, variant=shop.sku, method="courier", postcode="sw1a1aa"
    )
    assert response.status_code == 200, response.text
    assert promise_of(response.text) == (
        "We don't deliver to SW1A 1AA by courier yet; you can collect it at Market Street instead."
    )
    assert not RAW_CODE.search(response.text)
    props = (
        await client.get(
            "/v1/components/fulfilment-promise",
            params={
                "product": shop.product,
                "variant": shop.sku,
                "method": "courier",
                "postcode": "E2 7R",
                "key": shop.brand.publishable_key,
            },
            headers={"Accept": "application/json"},
        )
    ).json()
    assert (props["status"], props["reason"]) == ("unavailable", "postcode_invalid")


async def test_switching_method_replaces_the_promise_with_the_new_methods(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    common = {"product": shop.product, "variant": shop.sku}
    courier = await fragment(client, shop, "fulfilment-promise", **common, method="courier", postcode="E2 8AA")
    assert "elivery" in promise_of(courier.text)
    # The fieldset sends every field it holds: the postcode typed for the courier comes along, bad or not.
    for postcode in ("E2 8AA", "E2 7R", "SW1A 1AA"):
        pickup = await fragment(client, shop, "fulfilment-promise", **common, method="pickup", postcode=postcode)
        assert pickup.status_code == 200
        words = promise_of(pickup.text)
        assert words.startswith("Ready to collect at Market Street"), words
        assert "elivery" not in words and 'data-sk-method="pickup"' in pickup.text


async def test_the_postcode_field_never_blocks_a_form_for_pickup(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    options = await fragment(client, shop, "fulfilment-options", product=shop.product, variant=shop.other_sku)
    field = re.search(r'<input [^>]*name="postcode"[^>]*>', options.text)
    assert field, options.text
    assert "pattern=" not in field.group(0) and "required" not in field.group(0)
    assert 'autocomplete="postal-code"' in field.group(0)
    # Whatever sits in the postcode field, adding for pickup adds; the postcode is not even kept.
    added = await post_form(client, shop, "add-to-cart", **add_fields(shop, method="pickup", postcode="E2-7RG!"))
    assert added.status_code == 200, added.text
    lines = (await cart_json(client, shop, cart_of(added.text)))["lines"]
    assert [(line["sku"], line["fulfilment"]["method"]) for line in lines] == [(shop.sku, "pickup")]
    assert lines[0]["fulfilment"]["postcode"] is None


async def test_adding_by_courier_to_a_bad_postcode_says_why_beside_it(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    bad = {"variant": shop.other_sku, "method": "courier"}
    for typed, words in (
        ("E2 7R", messages.MALFORMED_POSTCODE),
        ("E2-7RG", messages.MALFORMED_POSTCODE),
        ("SW1A 1AA", "We don't deliver to SW1A 1AA by courier yet."),
    ):
        response = await post_form(client, shop, "add-to-cart", **add_fields(shop, **bad, postcode=typed))
        assert response.status_code == 200, response.text  # the buy box again, swapped by htmx
        error = re.search(r'<p class="sk-field__error" id="[^"]+-postcode-error">([^<]*)</p>', response.text)
        assert error and text_of(error.group(1)) == words, response.text
        assert re.search(r'name="postcode"[^>]*aria-invalid="true"', response.text)
        assert not RAW_CODE.search(response.text) and not PROMISED.search(text_of(response.text))
        assert "sk-mini-cart" not in response.text  # nothing was added


async def test_a_sold_out_variant_says_so_once_and_offers_to_tell_when_it_is_back(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)  # the first variant: nowhere in stock
    box = await fragment(client, shop, "add-to-cart", product=shop.product, variant=shop.sku)
    assert box.status_code == 200, box.text
    assert text_of(box.text).count(fulfilment_options.NOTHING_TEXT) == 1
    assert '<div class="sk-fulfilment-promise' not in box.text and "Add to bag" not in box.text
    form = re.search(r'<form class="sk-back-in-stock" method="post" action="([^"]+)"', box.text)
    assert form and "/v1/components/back-in-stock?key=" in form.group(1)
    label = re.search(r'<label class="sk-field__label" for="([^"]+-email)">([^<]+)</label>', box.text)
    assert label and text_of(label.group(2)) == "Email me when it's back"
    assert re.search(r'<input [^>]*type="email" name="email"[^>]*autocomplete="email"', box.text)
    page = await fragment(client, shop, "product-page", product=shop.product, variant=shop.sku)
    assert text_of(page.text).count(fulfilment_options.NOTHING_TEXT) == 1
    in_stock = await fragment(client, shop, "add-to-cart", product=shop.product, variant=shop.other_sku)
    assert "sk-back-in-stock" not in in_stock.text
