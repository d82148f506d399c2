"""Store credit inside the checkout component: apply a code, see what is left to pay, take it off, pay by credit.

Through the component's form action (``POST /v1/components/checkout/credit``), with htmx's header
and as a plain form post, against the paying app (localstripe) the other checkout tests use.
"""

from __future__ import annotations

import re

import httpx

from tests.commerce import open_shop
from tests.components.test_cart_components import (
    add_fields,
    cart_of,
    fragment,
    paying_app,
    paying_client,
    post_form,
    text_of,
)
from tests.conftest import MakeBrand, auth

__all__ = ["paying_app", "paying_client"]  # the fixtures, imported to be found here
Client = httpx.AsyncClient


async def issue(client: Client, key: str, amount: int) -> str:
    body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "trade-in"}
    response = await client.post("/v1/credits", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["code"]  # type: ignore[no-any-return]


async def test_a_code_applied_in_checkout_shows_what_is_left_to_pay_and_comes_off(
    paying_client: Client, make_brand: MakeBrand
) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))).text)
    details = await fragment(client, shop, "checkout", cart=cart, product=shop.product)
    assert 'name="credit_code"' in details.text and "/v1/components/checkout/credit?key=pk_" in details.text
    code = await issue(client, shop.brand.secret_key, 5_000)

    applied = await post_form(
        client, shop, "checkout/credit", cart=cart, credit_code=code, email="ada@example.com", product=shop.product
    )
    assert applied.status_code == 200, applied.text
    words = text_of(applied.text)
    assert f"Store credit ending {code[-4:]}: \u2212£50.00" in words and "To pay: £200.00" in words
    assert 'value="ada@example.com"' in applied.text  # what the shopper had typed is kept
    assert code not in applied.text  # the code itself is never echoed once applied

    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    wrong = await post_form(client, shop, "checkout/credit", cart=cart, credit_code=typo)
    assert re.search(r'name="credit_code"[^>]*aria-invalid="true"', wrong.text)
    assert "This code has a typing mistake" in text_of(wrong.text)
    empty = await post_form(client, shop, "checkout/credit", cart=cart, credit_code="")
    assert "Enter the code printed on your credit slip or receipt." in text_of(empty.text)

    credit_id = re.search(r'name="remove" value="([0-9a-f-]{36})"', applied.text)
    assert credit_id is not None
    removed = await post_form(client, shop, "checkout/credit", cart=cart, remove=credit_id.group(1))
    assert "Store credit ending" not in text_of(removed.text) and "To pay" not in text_of(removed.text)


async def test_a_bag_paid_wholly_by_credit_is_done_at_once(paying_client: Client, make_brand: MakeBrand) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    code = await issue(client, shop.brand.secret_key, 20_000)
    covered = await post_form(client, shop, "checkout/credit", cart=cart, credit_code=code)
    assert "To pay: £0.00 (your credit covers it all)" in text_of(covered.text)
    done = await post_form(
        client, shop, "checkout", cart=cart, email="ada@example.com", name="Ada", collector="Ada", product=shop.product
    )
    assert done.status_code == 200, done.text
    words = text_of(done.text)
    assert "Paid — order" in words and "£125.00 paid with store credit." in words
    balance = await client.get(f"/v1/credits/{code}", headers=auth(shop.brand.publishable_key))
    assert balance.json()["balance"]["amount"] == 20_000 - 12_500


async def test_without_script_applying_a_code_comes_back_to_the_page(
    paying_client: Client, make_brand: MakeBrand
) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand, shop_units=3, allowed_origins=["https://shop.example"])
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    code = await issue(client, shop.brand.secret_key, 1_000)
    response = await client.post(
        "/v1/components/checkout/credit",
        params={"key": shop.brand.publishable_key, "return_to": "https://shop.example/bag"},
        data={"cart": cart, "credit_code": code},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("https://shop.example/bag?")
    assert code not in response.headers["location"]
