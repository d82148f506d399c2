"""A shopper opens a lookbook hotspot with the keyboard in real Chromium and adds the piece from its quick view.

The brand's page holds a mini-cart in its header, our product page for the Noa micro bag, and
the demo lookbook, which wears the same Noa bag: so the quick view sits on a page with the full
buy box for the same product, and must share no id, radio or live region with it. With a
script the hotspot opens a compact quick view in the lookbook's dialog; "Add to bag" goes
through the add-to-cart action and every bag on the page follows; Escape closes the dialog and
puts focus back on the hotspot. Without a script the hotspot is a link to the brand's product page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AT_REST, Deployment, serve_demo

PRODUCT = "noa-micro-bag"
LOOKBOOK = '#looks .sk-root[data-sk-component="lookbook"]'
PAGE = '#main .sk-root[data-sk-component="product-page"]'
HEADER = '#header-cart .sk-root[data-sk-component="mini-cart"]'
DIALOG = f"{LOOKBOOK} .sk-lookbook__quick-view"

# The id of the element focused inside a component's shadow root, and whether the dialog is open.
FOCUSED_ID = "el => { const a = el.getRootNode().activeElement; return a ? a.id : null }"
FOCUS_IN_DIALOG = "el => { const a = el.getRootNode().activeElement; return !!(a && a.closest('[popover]')) }"
IS_OPEN = "el => el.matches(':popover-open')"
DUPLICATE_IDS = """el => {
  const ids = [...el.getRootNode().querySelectorAll('[id]')].map((e) => e.id);
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}"""


def _host_page(api: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: Autumn</title>
<script src="{api}/embed.js" async></script></head>
<body><header><div id="header-cart" data-stallkit="mini-cart" data-key="{key}"></div></header>
<main><div id="main" data-stallkit="product-page" data-product="{PRODUCT}" data-key="{key}"></div>
<div id="looks" data-stallkit="lookbook" data-lookbook="autumn-in-the-city" data-key="{key}"></div></main>
</body></html>"""


def _eventually(check: Callable[[], Any], timeout: float = 5.0) -> bool:
    """Whether ``check()`` comes true within ``timeout`` seconds (focus lands a task after the swap or the close)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir: Path = tmp_path_factory.mktemp("e2e-lookbook")
    with serve_demo(data_dir, _host_page) as running:
        yield running


def test_a_hotspot_opens_a_quick_view_by_keyboard_adds_to_the_bag_and_escape_returns_focus(
    browser: Any, shop: Deployment
) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(shop.host)
    page.wait_for_selector(f"{HEADER} .sk-mini-cart--empty", timeout=15_000)
    page.wait_for_selector(f"{PAGE} .sk-add-to-cart__button", timeout=15_000)
    hotspot = page.locator(f'{LOOKBOOK} a.sk-lookbook__hotspot-link[data-sk-product="{PRODUCT}"]').first
    hotspot_id = hotspot.get_attribute("id")
    assert hotspot_id and hotspot.get_attribute("href") == f"/products/{PRODUCT}?variant=MH-NOA-TAN"
    main_method = page.locator(f'{PAGE} input[name="method"]:checked').get_attribute("value")

    # The keyboard: focus the hotspot and press Enter (the link's own activation).
    hotspot.focus()
    page.keyboard.press("Enter")
    card = page.locator(f"{DIALOG} .sk-quick-view")
    card.wait_for(state="visible", timeout=10_000)
    assert page.locator(DIALOG).evaluate(IS_OPEN)
    assert _eventually(lambda: page.locator(DIALOG).evaluate(FOCUS_IN_DIALOG)), "focus moves into the quick view"
    assert card.locator(".sk-quick-view__title").inner_text() == "Noa Micro Bag"
    assert card.locator(".sk-price").count() == 1 and card.locator(".sk-quick-view__image").count() == 1
    assert card.locator(".sk-quick-view__swatch").count() >= 2
    assert card.locator('input[type="radio"]').count() == 0  # no second delivery choice to tick the main one
    assert page.locator(DIALOG).evaluate(DUPLICATE_IDS) == []
    assert page.locator(f'{PAGE} input[name="method"]:checked').get_attribute("value") == main_method

    # Another colour, by keyboard: the card swaps for it and focus stays on the swatch chosen.
    swatch = card.locator(".sk-quick-view__swatch:not([aria-current])").first
    sku = swatch.get_attribute("data-sk-variant")
    swatch.focus()
    page.keyboard.press("Enter")
    chosen = page.locator(f'{DIALOG} .sk-quick-view__swatch[aria-current="true"][data-sk-variant="{sku}"]')
    chosen.wait_for(timeout=10_000)
    assert _eventually(lambda: chosen.evaluate("el => el.getRootNode().activeElement === el"))
    assert page.locator(DIALOG).evaluate(IS_OPEN)
    back = card.locator('.sk-quick-view__swatch[data-sk-variant="MH-NOA-TAN"]')
    back.focus()
    page.keyboard.press("Enter")
    page.locator(f'{DIALOG} .sk-quick-view[data-sk-variant="MH-NOA-TAN"]').wait_for(timeout=10_000)

    # Add to bag, by keyboard again, once the card has settled: a sentence in the card's status, and the
    # header's bag follows.
    page.wait_for_function(AT_REST, timeout=10_000)
    add = card.get_by_role("button", name=re.compile("^Add to bag"))
    add.focus()
    page.keyboard.press("Enter")
    status = card.locator(".sk-quick-view__status")
    status.filter(has_text=re.compile(r"Your bag\s*\(1 item\)")).wait_for(timeout=10_000)
    assert re.fullmatch(r"Your bag\s*\(1 item\)", status.inner_text().strip()), status.inner_text()
    page.locator(f"{HEADER} .sk-mini-cart__count").filter(has_text="(1 item)").wait_for(timeout=10_000)
    assert page.locator(DIALOG).evaluate(IS_OPEN), "adding keeps the card open"

    # Escape closes the dialog, and focus is back on the hotspot that opened it.
    page.keyboard.press("Escape")
    page.locator(DIALOG).wait_for(state="hidden", timeout=5_000)
    assert not page.locator(DIALOG).evaluate(IS_OPEN)
    assert _eventually(lambda: page.locator(LOOKBOOK).locator(".sk-lookbook").evaluate(FOCUSED_ID) == hotspot_id)

    # A second hotspot opens its own card; the close button closes it the same way.
    other = page.locator(f"{LOOKBOOK} a.sk-lookbook__hotspot-link").first
    other_id = other.get_attribute("id")
    other.focus()
    page.keyboard.press("Enter")
    page.locator(f"{DIALOG} .sk-quick-view").filter(has_text="Columbia Tote").wait_for(timeout=10_000)
    page.locator(DIALOG).get_by_role("button", name=re.compile("^Close")).click()
    page.locator(DIALOG).wait_for(state="hidden", timeout=5_000)
    assert _eventually(lambda: page.locator(LOOKBOOK).locator(".sk-lookbook").evaluate(FOCUSED_ID) == other_id)
    assert errors == []
    page.close()


def test_without_javascript_a_hotspot_is_a_link_to_the_brand_product_page(browser: Any, shop: Deployment) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{shop.api}/v1/components/lookbook?lookbook=autumn-in-the-city&key={shop.publishable_key}")
    links = page.locator("a.sk-lookbook__hotspot-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert f"/products/{PRODUCT}?variant=MH-NOA-TAN" in hrefs
    assert all(h and h.startswith("/products/") for h in hrefs), hrefs
    assert page.locator("[target]").count() == 0  # no new tabs
    assert not page.locator(".sk-lookbook__quick-view").is_visible()  # nothing to open without a script
    context.close()
