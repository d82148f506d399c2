"""axe on every step a shopper takes on the demo's brand site, in real Chromium: no serious or critical finding.

Two walks. With script, the components as enhanced by embed.js and htmx: the product page, another
colour, courier with a postcode it cannot serve (the error in words), the bag after adding, the
header bag's drawer, a lookbook quick view, and the checkout's details with their errors. Without
script, the pages the brand's server renders (declarative shadow roots): product, bag drawer,
checkout, payment, confirmation and the order page. axe needs script to run, so the second walk
blocks embed.js instead of turning script off: the page is what a script-less browser is given.
Every finding is reported with the step it was found at, so one run lists them all.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import AXE, BrandSite, fill_courier_details, serious_violations

MAIN = "#main"
TOGGLE = ".masthead .sk-mini-cart__toggle"
BAG = ".masthead .sk-mini-cart"


class Walk:
    """axe at each named step; the findings of every step, collected."""

    def __init__(self, page: Any, axe: Any) -> None:
        self.page = page
        self.axe = axe
        self.findings: dict[str, list[dict[str, Any]]] = {}
        self.steps: list[str] = []

    def check(self, step: str) -> None:
        self.steps.append(step)
        found = serious_violations(self.page, self.axe)
        if found:
            self.findings[step] = found


def test_every_step_with_script_has_no_serious_axe_finding(
    browser: Any, brand_site: BrandSite, axe_script: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1800})
    walk = Walk(page, axe_script)
    page.goto(brand_site.url + "/")
    page.wait_for_selector(
        f'{MAIN} [data-stallkit="product-page"][data-stallkit-state="ready"]', state="attached", timeout=15_000
    )
    walk.check("product page")

    page.locator(f'{MAIN} a.sk-variant-picker__choice[data-sk-variant="MH-NOA-BLK"]').click()
    page.wait_for_selector(f'{MAIN} a[data-sk-variant="MH-NOA-BLK"][aria-current="true"]', timeout=10_000)
    walk.check("another colour")

    page.locator(f'{MAIN} input[name="method"][value="courier"]').check()
    page.locator(f'{MAIN} input[name="postcode"]').fill("ZZ9 9ZZ")
    page.locator(f'{MAIN} input[name="postcode"]').press("Tab")
    expect(page.locator(f"{MAIN} .sk-fulfilment-promise")).to_contain_text(re.compile("deliver", re.I), timeout=10_000)
    walk.check("courier, a postcode we do not serve")

    page.locator(f'{MAIN} input[name="postcode"]').fill("E2 8AA")
    page.locator(f'{MAIN} input[name="postcode"]').press("Tab")
    page.locator(f"{MAIN} .sk-add-to-cart__button").click()
    page.wait_for_selector(f"{MAIN} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
    walk.check("added to the bag")

    page.locator(TOGGLE).click()
    expect(page.locator(BAG)).to_be_visible(timeout=10_000)
    walk.check("the header bag's drawer")
    page.keyboard.press("Escape")

    hotspot = page.locator("a.sk-lookbook__hotspot-link").first
    hotspot.scroll_into_view_if_needed()
    hotspot.focus()
    page.keyboard.press("Enter")
    page.locator(".sk-lookbook__quick-view .sk-quick-view").wait_for(state="visible", timeout=10_000)
    walk.check("a lookbook quick view")
    page.keyboard.press("Escape")

    page.locator(TOGGLE).click()
    page.locator(BAG).get_by_role("link", name="Checkout").click()
    details = page.locator(".sk-checkout--details").first
    details.wait_for(timeout=10_000)
    walk.check("checkout details")
    details.get_by_role("button", name="Continue to payment").click()
    page.wait_for_timeout(1_000)  # the form's own answer, errors marked (or the browser's own validation)
    walk.check("checkout details, sent empty")

    assert walk.findings == {}, walk.findings
    assert len(walk.steps) == 8


def test_every_step_without_script_has_no_serious_axe_finding(browser: Any, brand_site: BrandSite) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1800})
    context.route(re.compile(r".*/embed\.js(\?.*)?$"), lambda route: route.abort())
    page = context.new_page()
    walk = Walk(page, AXE)
    try:
        page.goto(brand_site.url + "/?variant=MH-NOA-BLK")
        walk.check("product page")
        page.locator(f'{MAIN} input[name="method"][value="courier"]').check()
        page.locator(f'{MAIN} input[name="postcode"]').fill("E2 8AA")
        page.locator(f"{MAIN} .sk-add-to-cart__button").click()
        page.locator(TOGGLE).click()
        walk.check("the bag's drawer, after adding")

        page.locator(BAG).get_by_role("link", name="Checkout").click()
        checkout = page.locator(f"{MAIN} .sk-checkout--details")
        walk.check("checkout")
        fill_courier_details(checkout)
        checkout.get_by_role("button", name="Continue to payment").click()
        walk.check("payment")

        page.locator(f"{MAIN} .sk-checkout--pay").get_by_role("button", name=re.compile("with test card")).click()
        done = page.locator(f"{MAIN} .sk-checkout--done")
        assert done.locator(".sk-checkout__status").inner_text().startswith("Paid")
        walk.check("confirmation")

        follow = done.get_by_role("link", name="Follow your order").get_attribute("href")
        assert follow
        page.goto(follow)
        page.locator(f"{MAIN} .sk-order-status").wait_for()
        walk.check("order page")
    finally:
        context.close()
    assert walk.findings == {}, walk.findings
    assert len(walk.steps) == 6
