"""A shopper buys a bag in real Chromium, on a brand's page embedding our components from another origin.

Pick a variant, choose how to get it and see the promise change, add to the bag (the mini-cart
under the button and the one in the page header both show it), reload (the bag is remembered,
and the next add goes into it), check out and pay with the test card against localstripe, and
see "Paid". The storefront runs
the demo catalogue in its own uvicorn process, with Stripe pointed at localstripe.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, Deployment, event_counts, paying_env, serious_violations, serve_demo
from tests.stripe_server import LocalStripe

PRODUCT = "noa-micro-bag"
PAGE = '#bag .sk-root[data-sk-component="product-page"]'
HEADER_CART = '#header-cart .sk-root[data-sk-component="mini-cart"]'


def _host_page(api: str, key: str) -> str:
    """A brand's own product page: its header holds a mini-cart, its main column our product page."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: Noa</title>
<style>body {{ font-family: serif; margin: 2rem; background: #fbf8f2; }}</style>
<script src="{api}/embed.js" async></script></head>
<body><header><h2>Maison Hollis</h2><div id="header-cart" data-stallkit="mini-cart" data-key="{key}"></div></header>
<main><div id="bag" data-stallkit="product-page" data-product="{PRODUCT}" data-key="{key}"></div></main>
</body></html>"""


@pytest.fixture(scope="module")
def paying_deployment(tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe) -> Iterator[Deployment]:
    """The demo storefront with payments through localstripe, and a brand's page on another origin."""
    payments = paying_env(localstripe)
    with serve_demo(tmp_path_factory.mktemp("e2e-checkout"), _host_page, payments) as running:
        yield running


def _stored_cart(page: Any, deployment: Deployment) -> str | None:
    return page.evaluate("(key) => localStorage.getItem('stallkit-cart:' + key)", deployment.publishable_key)


def test_pick_choose_add_and_pay_with_the_test_card(
    browser: Any, paying_deployment: Deployment, axe_script: Path
) -> None:
    deployment = paying_deployment
    page = browser.new_page(viewport={"width": 1200, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(deployment.host)
    page.wait_for_selector(PAGE, timeout=15_000)
    page.wait_for_selector(f"{HEADER_CART} .sk-mini-cart--empty", timeout=10_000)

    # Pick a variant: the whole product page, buy box included, follows it.
    page.click(f'{PAGE} a.sk-variant-picker__choice[data-sk-variant="MH-NOA-BLK"]')
    page.wait_for_selector(f'{PAGE} a[data-sk-variant="MH-NOA-BLK"][aria-current="true"]', timeout=10_000)
    page.wait_for_selector(f'{PAGE} .sk-fulfilment-options input[name="variant"][value="MH-NOA-BLK"]', state="attached")
    promise = f"{PAGE} .sk-fulfilment-promise"
    page.wait_for_selector(f"{promise}--promised", timeout=10_000)  # fetched on load: a promise as of now
    assert "Ready to collect at Maison Hollis, Columbia Road" in page.inner_text(promise)

    # Courier needs a postcode; the promise follows every change.
    page.check(f'{PAGE} input[name="method"][value="courier"]')
    expect(page.locator(promise)).to_contain_text("Enter your postcode", timeout=10_000)
    page.fill(f'{PAGE} input[name="postcode"]', "E2 8AA")
    page.press(f'{PAGE} input[name="postcode"]', "Tab")  # change fires as the field is left
    expect(page.locator(promise)).to_contain_text(re.compile("delivery", re.IGNORECASE), timeout=10_000)
    # Back to collecting it from the shop.
    page.check(f'{PAGE} input[name="method"][value="pickup"]')
    expect(page.locator(promise)).to_contain_text("Ready to collect", timeout=10_000)

    shop_stock = f"{PAGE} .sk-stock__line--pickup >> nth=0"
    before = page.inner_text(shop_stock)
    held = re.search(r"^Only (\d+) left at (.+)$", before)  # a shop with few left says how many, in words
    assert held, before

    # Add to the bag: the mini-cart appears under the button, and the header's fetches itself again.
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{PAGE} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
    assert "Your bag (1 item)" in page.inner_text(f"{PAGE} .sk-add-to-cart__result")
    page.wait_for_selector(f"{HEADER_CART} .sk-mini-cart--open", timeout=10_000)
    assert "Noa Micro Bag" in page.inner_text(HEADER_CART)
    cart = _stored_cart(page, deployment)
    assert cart and page.get_attribute(f"{PAGE} .sk-mini-cart", "data-sk-cart") == cart
    assert serious_violations(page, axe_script, "#bag .sk-add-to-cart") == []

    # A reload keeps the bag: the embed loader remembers the cart for the brand's key, and puts it
    # into the (cached, cart-less) product page's form when it posts.
    page.reload()
    page.wait_for_selector(f"{HEADER_CART} .sk-mini-cart--open", timeout=15_000)
    assert "Your bag (1 item)" in page.inner_text(HEADER_CART)
    page.wait_for_selector(f"{promise}--promised", timeout=10_000)
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{PAGE} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
    assert "Your bag (2 items)" in page.inner_text(f"{PAGE} .sk-add-to-cart__result")
    assert _stored_cart(page, deployment) == cart
    expect(page.locator(HEADER_CART)).to_contain_text("2 items", timeout=10_000)

    # Check out from the header's bag, then pay with the test card.
    page.click(f"{HEADER_CART} a.sk-button")
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--details", timeout=10_000)
    assert serious_violations(page, axe_script, "#header-cart") == []
    page.fill(f'{HEADER_CART} input[name="email"]', "ada@example.com")
    page.fill(f'{HEADER_CART} input[name="name"]', "Ada Lovelace")
    # A pickup bag asks who collects it, and no address.
    assert page.locator(f'{HEADER_CART} input[name="address_line1"]').count() == 0
    page.fill(f'{HEADER_CART} input[name="collector"]', "Grace Hopper")
    page.click(f'{HEADER_CART} .sk-checkout__form button[type="submit"]')
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--pay", timeout=15_000)
    assert "with test card" in page.inner_text(f"{HEADER_CART} .sk-checkout")
    page.click(f'{HEADER_CART} .sk-checkout__form button[type="submit"]')
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--done", timeout=15_000)
    status = page.inner_text(f"{HEADER_CART} .sk-checkout__status")
    assert status.startswith("Paid — order "), status
    # The product page's stock display heard the sale: the two units sold are gone from the shop's count.
    left, shop = int(held[1]) - 2, held[2]
    after = f"Only {left} left at {shop}" if left else f"Not at {shop}"
    expect(page.locator(f"{PAGE} .sk-stock__line--pickup", has_text=shop)).to_contain_text(after, timeout=10_000)
    assert not _stored_cart(page, deployment)  # a paid cart is forgotten: the next add starts a new one
    # The confirmation carries the pickup code, its QR, and the order page to come back to.
    code = page.inner_text(f"{HEADER_CART} .sk-checkout__code")
    assert len(code) == 6 and page.locator(f"{HEADER_CART} .sk-checkout__qr svg").count() == 1
    link = page.get_attribute(f"{HEADER_CART} .sk-checkout__order-link", "href")
    assert link and "/v1/components/order-status?" in link and "token=" in link

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkout-paid.png"), full_page=True)
    assert errors == []
    page.close()  # pagehide flushes the beacons (fulfilment_select)

    deadline = time.monotonic() + 10
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        counts = event_counts(deployment, PRODUCT)
        if counts.get("fulfilment_select", 0) >= 2:
            break
        time.sleep(0.3)
    assert counts.get("fulfilment_select", 0) >= 2, counts
    # One add_to_cart per add; checkout_start and purchase once per cart line. Both adds were the same
    # variant for pickup at the same shop (the postcode typed for courier is not sent for pickup), so
    # the second add raised the first line's quantity: one line of two.
    assert (counts.get("add_to_cart"), counts.get("checkout_start"), counts.get("purchase")) == (2, 1, 1), counts


def test_a_courier_bag_asks_for_an_address_the_courier_serves(browser: Any, paying_deployment: Deployment) -> None:
    deployment = paying_deployment
    page = browser.new_page(viewport={"width": 1200, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(deployment.host)
    page.wait_for_selector(PAGE, timeout=15_000)
    promise = f"{PAGE} .sk-fulfilment-promise"
    page.wait_for_selector(f"{promise}--promised", timeout=10_000)
    page.check(f'{PAGE} input[name="method"][value="courier"]')
    page.fill(f'{PAGE} input[name="postcode"]', "E2 8AA")
    page.press(f'{PAGE} input[name="postcode"]', "Tab")
    expect(page.locator(promise)).to_contain_text(re.compile("delivery", re.IGNORECASE), timeout=10_000)
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{HEADER_CART} .sk-mini-cart--open", timeout=10_000)
    page.click(f"{HEADER_CART} a.sk-button")
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--details", timeout=10_000)
    assert page.locator(f'{HEADER_CART} input[name="collector"]').count() == 0
    form = f"{HEADER_CART} .sk-checkout__form"
    assert page.get_attribute(f'{form} input[name="address_line1"]', "autocomplete") == "shipping address-line1"
    assert page.get_attribute(f'{form} input[name="phone"]', "autocomplete") == "tel"
    page.fill(f'{form} input[name="email"]', "ada@example.com")
    for name, value in (
        ("address_name", "Ada Lovelace"),
        ("address_line1", "12 Columbia Road"),
        ("address_city", "London"),
        ("address_postcode", "BN1 1AA"),  # Brighton: outside the London couriers' zones
        ("phone", "07700 900123"),
    ):
        page.fill(f'{form} input[name="{name}"]', value)
    page.click(f'{form} button[type="submit"]')
    postcode = f'{HEADER_CART} input[name="address_postcode"][aria-invalid="true"]'
    page.wait_for_selector(postcode, timeout=15_000)
    described = page.get_attribute(postcode, "aria-describedby")
    assert described and "not to BN1 1AA" in page.inner_text(f"{HEADER_CART} #{described}")
    assert page.input_value(f'{form} input[name="address_line1"]') == "12 Columbia Road"  # kept
    page.fill(f'{form} input[name="address_postcode"]', "e2 7rg")
    page.click(f'{form} button[type="submit"]')
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--pay", timeout=15_000)
    page.click(f'{HEADER_CART} .sk-checkout__form button[type="submit"]')
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--done", timeout=15_000)
    assert page.locator(f"{HEADER_CART} .sk-checkout__code").count() == 0  # nothing to collect
    assert page.get_attribute(f"{HEADER_CART} .sk-checkout__order-link", "href")
    assert errors == []
    page.close()


def _issue_credit(deployment: Deployment, amount: int) -> str:
    body = json.dumps({"amount": {"amount": amount, "currency": "GBP"}, "reason": "trade-in at the stall"}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/credits",
        data=body,
        headers={"Authorization": f"Bearer {deployment.secret_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        return str(json.loads(answer.read())["code"])


def test_a_bag_paid_by_store_credit_typed_in_by_keyboard(
    browser: Any, paying_deployment: Deployment, axe_script: Path
) -> None:
    deployment = paying_deployment
    code = _issue_credit(deployment, 100_000)
    page = browser.new_page(viewport={"width": 1200, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(deployment.host)
    page.wait_for_selector(f"{PAGE} .sk-fulfilment-promise--promised", timeout=15_000)
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{HEADER_CART} .sk-mini-cart--open", timeout=10_000)
    page.click(f"{HEADER_CART} a.sk-button")
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--details", timeout=10_000)
    checkout = page.locator(f"{HEADER_CART} .sk-checkout")
    checkout.get_by_label("Email").fill("ada@example.com")  # typed before the code: kept when the code applies

    field = checkout.get_by_label("Store credit code")
    field.focus()
    page.keyboard.type(code[:-1] + ("A" if code[-1] != "A" else "B"))  # a typo first
    page.keyboard.press("Enter")
    expect(checkout).to_contain_text("This code has a typing mistake", timeout=10_000)
    field = checkout.get_by_label("Store credit code")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("")
    field.focus()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(checkout).to_contain_text("your credit covers it all", timeout=10_000)
    expect(checkout.get_by_label("Email")).to_have_value("ada@example.com")
    assert serious_violations(page, axe_script, "#header-cart") == []

    checkout.get_by_label("Name", exact=True).fill("Ada Lovelace")
    checkout.get_by_label("Who will collect it").fill("Ada Lovelace")
    checkout.locator('.sk-checkout__form button[type="submit"]').click()
    page.wait_for_selector(f"{HEADER_CART} .sk-checkout--done", timeout=15_000)
    assert page.inner_text(f"{HEADER_CART} .sk-checkout__status").startswith("Paid — order ")
    expect(checkout).to_contain_text("paid with store credit")
    assert errors == []
    page.close()
