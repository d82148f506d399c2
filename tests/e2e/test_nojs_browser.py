"""A shopper with JavaScript off buys a bag on the brand's own site, in real Chromium.

The demo's brand site renders every component on its server (fetched with the publishable key,
inlined as declarative shadow DOM), so links and plain form posts do it all: the product page,
a variant, a way to get it, add, the bag, one more in the bag, checkout with an address, pay
with the test card against localstripe, the confirmation, and a new bag after it. Each post
answers 303 back to the brand's page, never a bare fragment on the API's origin, and a
refused field is shown in words on a page of ours whose form leads back.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.e2e.conftest import BrandSite, fill_courier_details

MAIN = "#main"
BAG = ".masthead .sk-mini-cart"
TOGGLE = ".masthead .sk-mini-cart__toggle"


def _query(page: Any) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _on_brand_site(page: Any, site: BrandSite) -> None:
    assert page.url.startswith(site.url + "/"), page.url


def _courier_stock(page: Any) -> int:
    # The display says it in words ("Delivered to your door by courier"); the count is on the line as data.
    return int(page.locator(f"{MAIN} .sk-stock__line--courier").first.get_attribute("data-sk-available"))


def test_a_shopper_without_javascript_buys_from_the_brand_site(browser: Any, brand_site: BrandSite) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 1800})
    page = context.new_page()
    api_pages: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: api_pages.append(frame.url) if frame.url.startswith(brand_site.deployment.api) else None,
    )
    try:
        # The product page, painted by the brand's server: no script ran.
        page.goto(brand_site.url + "/")
        assert page.locator(f"{MAIN} .sk-root h1").inner_text().strip() == "Noa Micro Bag"
        assert page.locator('[data-stallkit="product-page"][data-stallkit-rendered]').count() == 1
        assert brand_site.deployment.secret_key not in page.content()

        # A variant: a plain link.
        page.locator(f'{MAIN} a.sk-variant-picker__choice[data-sk-variant="MH-NOA-BLK"]').click()
        assert _query(page)["variant"] == "MH-NOA-BLK"
        assert page.locator(f'{MAIN} input[name="variant"][value="MH-NOA-BLK"]').count() == 1
        before = _courier_stock(page)

        # A way to get it, and add: one plain post, and 303 back to the brand's page with the bag.
        page.locator(f'{MAIN} input[name="method"][value="courier"]').check()
        page.locator(f'{MAIN} input[name="postcode"]').fill("E2 8AA")
        page.locator(f"{MAIN} .sk-add-to-cart__button").click()
        _on_brand_site(page, brand_site)
        state = _query(page)
        assert state["method"] == "courier" and state["variant"] == "MH-NOA-BLK" and state["cart"]
        # The header's bag is a button; its drawer is a popover, opened with no script (declarative shadow DOM).
        assert not page.locator(BAG).is_visible()
        page.locator(TOGGLE).click()
        bag = page.locator(BAG)
        assert bag.is_visible()
        assert " ".join((page.locator(TOGGLE).text_content() or "").split()) == "Bag (1) item"
        assert "Your bag (1 item)" in bag.inner_text()
        assert "Courier to E2 8AA" in bag.inner_text()

        # Edit the quantity in the bag: one more.
        bag.get_by_role("button", name="One more").click()
        _on_brand_site(page, brand_site)
        page.locator(TOGGLE).click()
        assert "Your bag (2 items)" in page.locator(BAG).inner_text()

        # To the checkout, a link on the brand's page; one fewer there, then the details with an address.
        page.locator(BAG).get_by_role("link", name="Checkout").click()
        _on_brand_site(page, brand_site)
        assert _query(page)["view"] == "checkout"
        checkout = page.locator(f"{MAIN} .sk-checkout")
        assert "Delivery" in checkout.inner_text() and "£" in checkout.inner_text()
        checkout.get_by_role("button", name="One fewer").click()
        _on_brand_site(page, brand_site)
        checkout = page.locator(f"{MAIN} .sk-checkout--details")
        assert "\u00d7 1" in checkout.inner_text()  # one piece left
        fill_courier_details(checkout)
        checkout.get_by_role("button", name="Continue to payment").click()
        _on_brand_site(page, brand_site)

        # Pay in test mode: a plain post of the test card.
        pay = page.locator(f"{MAIN} .sk-checkout--pay")
        pay.get_by_role("button", name=re.compile("with test card")).click()
        _on_brand_site(page, brand_site)

        # The confirmation, on the brand's page.
        done = page.locator(f"{MAIN} .sk-checkout--done")
        status = done.locator(".sk-checkout__status").inner_text()
        assert status.startswith("Paid — order "), status
        assert "ada@example.com" in done.inner_text()
        follow = done.get_by_role("link", name="Follow your order").get_attribute("href")
        assert follow and follow.startswith(brand_site.url + "/?") and "view=order" in follow
        number = status.removeprefix("Paid — order ").strip()

        # The order page, on the brand's site too; then back to the confirmation.
        page.goto(follow)
        assert number in page.locator(f"{MAIN} .sk-order-status").inner_text()
        page.go_back()
        done = page.locator(f"{MAIN} .sk-checkout--done")

        # After payment a new bag starts, and the shop's stock no longer counts the sold unit.
        done.get_by_role("link", name="Continue shopping").click()
        _on_brand_site(page, brand_site)
        assert "cart" not in _query(page)
        page.locator(f'{MAIN} a.sk-variant-picker__choice[data-sk-variant="MH-NOA-BLK"]').click()
        assert _courier_stock(page) == before - 1

        assert api_pages == [], "the shopper never landed on the API's origin"
    finally:
        context.close()


def test_a_refused_field_is_shown_in_words_and_leads_back(browser: Any, brand_site: BrandSite) -> None:
    """More than can be had: the buy box again with the reason beside the quantity, then back to the brand."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(brand_site.url + "/?variant=MH-NOA-BLK")
        page.locator(f'{MAIN} input[name="method"][value="courier"]').check()
        page.locator(f'{MAIN} input[name="postcode"]').fill("E2 8AA")
        page.locator(f'{MAIN} input[name="quantity"]').fill("99")
        page.locator(f"{MAIN} .sk-add-to-cart__button").click()
        assert page.url.startswith(brand_site.deployment.api), page.url
        error = page.locator(".sk-field__error, .sk-form-message").first.inner_text()
        assert error and "{" not in error and "out_of_stock" not in error, error
        page.locator('input[name="quantity"]').fill("1")
        page.locator(".sk-add-to-cart__button").click()
        _on_brand_site(page, brand_site)
        page.locator(TOGGLE).click()
        assert "Your bag (1 item)" in page.locator(BAG).inner_text()
    finally:
        context.close()


def test_with_script_the_rendered_page_is_enhanced_not_painted_again(browser: Any, brand_site: BrandSite) -> None:
    """embed.js finds the server's components painted: it fetches none of them again, and htmx takes the forms."""
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/v1/components/" in request.url else None)
    try:
        page.goto(brand_site.url + "/")
        page.wait_for_function(
            "() => document.querySelector('[data-stallkit=\"product-page\"]').dataset.stallkitState === 'ready'",
            timeout=15_000,
        )
        assert not [url for url in fetched if "/v1/components/product-page" in url]
        assert page.locator(f'{MAIN} .sk-root[data-sk-component="product-page"]').count() == 1
        before = page.url
        page.locator(f"{MAIN} .sk-add-to-cart__button").click()
        page.wait_for_selector(f"{MAIN} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
        assert page.url == before, "swapped in place by htmx, no navigation"
    finally:
        page.close()
