"""The sold-out buy box's "email me when it's back" form, posted as a plain form (htmx posts the same fields).

``POST /v1/components/back-in-stock`` answers the buy box again, 200 either way: the request
stored (saying where we will write), or the email's problem beside the field with what was typed
kept. Asking twice keeps one request, as the secret key's list shows.
"""

from __future__ import annotations

import re

import httpx

from components.add_to_cart import EMAIL_HELP
from tests.commerce import open_shop
from tests.components.test_cart_components import fragment, post_form, text_of
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient


async def test_the_form_stores_one_request_and_says_where_we_will_write(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    box = await fragment(client, shop, "add-to-cart", product=shop.product, variant=shop.sku)
    assert f'name="variant" value="{shop.sku}"' in box.text
    fields = {"product": shop.product, "variant": shop.sku, "source": "product-page"}
    for typed in ("Ada@Example.com", " ada@example.com "):
        answer = await post_form(client, shop, "back-in-stock", **fields, email=typed)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        done = re.search(r'<p class="sk-back-in-stock__done" role="status">([^<]+)</p>', answer.text)
        assert done and text_of(done.group(1)) == "We'll email ada@example.com when it's back.", answer.text
        assert f'id="sk-product-page-{shop.product}-notify"' in answer.text  # focus comes back to the button
    listing = await client.get("/v1/back-in-stock", headers=auth(shop.brand.secret_key))
    assert [(r["variant"], r["email"], r["status"]) for r in listing.json()["data"]] == [
        (shop.sku, "ada@example.com", "waiting")
    ]


async def test_a_bad_email_is_explained_beside_the_field(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=0)
    answer = await post_form(
        client, shop, "back-in-stock", product=shop.product, variant=shop.sku, source="add-to-cart", email="ada@"
    )
    assert answer.status_code == 200, answer.text
    error = re.search(r'<p class="sk-field__error" id="([^"]+-email-error)">([^<]+)</p>', answer.text)
    assert error and text_of(error.group(2)) == EMAIL_HELP
    assert re.search(
        r'name="email" id="[^"]+-email" value="ada@"[^>]*aria-invalid="true" aria-describedby="' + error.group(1),
        answer.text,
    )
    assert "sk-back-in-stock__done" not in answer.text
    listing = await client.get("/v1/back-in-stock", headers=auth(shop.brand.secret_key))
    assert listing.json()["data"] == []
