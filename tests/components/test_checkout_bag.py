"""The checkout's bag over HTTP: its lines can be changed before the order is placed, its totals
name the delivery fee, postcodes keep their space, and a deposit is not called "Paid".
"""

from __future__ import annotations

import re

import httpx

from components import checkout
from tests.commerce import open_shop
from tests.components.test_cart_components import (
    add_fields,
    cart_json,
    cart_of,
    fragment,
    mto_product,
    paying_app,  # noqa: F401 (the fixture)
    paying_client,  # noqa: F401 (the fixture)
    post_form,
    text_of,
)
from tests.conftest import MakeBrand

Client = httpx.AsyncClient
ADDRESS = {
    "address_name": "Ada Lovelace",
    "address_line1": "12 Columbia Road",
    "address_city": "London",
    "address_postcode": "E2 8AA",
    "address_country": "GB",
    "phone": "+44 7700 900123",
}


def test_a_deposit_is_not_called_paid() -> None:
    assert checkout.status_text("MH-1", "paid") == "Paid — order MH-1"
    assert checkout.status_text("MH-1", "paid", balance_due=True) == "Deposit paid — order MH-1"
    assert checkout.status_text("MH-1", "in_production", balance_due=True) == "Deposit paid — order MH-1"
    assert checkout.status_text("MH-1", "pending_payment", balance_due=True) == "Awaiting payment — order MH-1"


async def test_the_checkout_lines_are_stepped_and_removed_in_the_checkout(
    paying_client: Client,  # noqa: F811 (the fixture)
    make_brand: MakeBrand,
) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))).text)
    line = (await cart_json(client, shop, cart))["lines"][0]["id"]
    details = (await fragment(client, shop, "checkout", cart=cart)).text
    form = re.search(r'<form class="sk-mini-cart__edit"[^>]*>', details)
    assert form is not None and 'hx-target="closest .sk-checkout"' in form.group(0) and 'method="post"' in form.group(0)
    assert '<input type="hidden" name="answer" value="checkout">' in details
    assert "One fewer" in details and "One more" in details and "Remove" in details

    fields = {"source": "mini-cart", "cart": cart, "line": line, "product": "", "live": "", "answer": "checkout"}
    fewer = await post_form(client, shop, "add-to-cart", **fields, quantity="1")
    assert fewer.status_code == 200 and fewer.headers["hx-trigger-after-swap"] == "sk-cart"  # the other bags follow
    assert fewer.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="checkout">')
    assert "sk-checkout--details" in fewer.text and "\u00d7 1" in text_of(fewer.text)
    too_many = await post_form(client, shop, "add-to-cart", **fields, quantity="100")
    assert "sk-checkout" in too_many.text and re.search(r"sk-mini-cart__error[^>]*>[^<]+<", too_many.text)
    gone = await post_form(client, shop, "add-to-cart", **fields, remove="1")
    assert "sk-checkout--empty" in gone.text and "Your bag is empty." in gone.text


async def test_the_summary_names_the_delivery_fee_and_the_postcode_with_its_space(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    courier = add_fields(shop, method="courier", postcode="e28aa", variant=shop.other_sku)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **courier)).text)
    words = text_of((await fragment(client, shop, "checkout", cart=cart)).text)
    assert "Courier to E2 8AA" in words
    assert re.search(r"Subtotal £135\.00 Delivery £\d+\.\d\d Total £\d+\.\d\d", words), words
    pickup = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    assert "Delivery Free" in text_of((await fragment(client, shop, "checkout", cart=pickup)).text)


async def test_a_made_to_order_piece_with_its_deposit_paid_says_so(
    paying_client: Client,  # noqa: F811 (the fixture)
    make_brand: MakeBrand,
) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand, deposit_bp=3000)
    mto = await mto_product(client, shop)
    fields = add_fields(shop, product=mto, variant=shop.mto_sku, method="made_to_order", location="")
    added = await post_form(client, shop, "add-to-cart", **fields, **{"personalisation.thread": "gold"})
    cart = cart_of(added.text)
    placed = await post_form(client, shop, "checkout", cart=cart, email="ada@example.com", name="Ada", **ADDRESS)
    assert "sk-checkout--pay" in placed.text, text_of(placed.text)
    paid = await post_form(client, shop, "checkout/confirm", cart=cart, payment_method="pm_card_visa")
    assert "Deposit paid — order " in text_of(paid.text), text_of(paid.text)
    # Read again later (the page rendered without script, after its redirect): the same words.
    again = text_of((await fragment(client, shop, "checkout", cart=cart)).text)
    assert "Deposit paid — order " in again and "ada@example.com" in again
