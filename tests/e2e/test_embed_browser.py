"""A shopper's view in real Chromium: a brand's page on one origin embeds our product page from
another; choosing a variant swaps price and stock through htmx without a reload; nothing
serious for accessibility; analytics beacons arrive.

Each component lives in an open shadow root on its placeholder: Playwright's CSS selectors pierce
open roots (``#otto .sk-price`` finds it), while script in the page must go through ``shadowRoot``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ARTIFACTS, Deployment, event_counts

PAGE = '.sk-root[data-sk-component="product-page"]'


def _open(browser: Any, deployment: Deployment) -> Any:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    errors: list[str] = []
    requested: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requested.append(request.url))
    page.goto(deployment.host)
    page.wait_for_selector(f"#otto {PAGE}", timeout=15_000)
    page.errors = errors
    page.requested = requested
    return page


def test_host_page_embeds_a_live_product_page_from_another_origin(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, deployment)
    assert deployment.host != deployment.api
    assert page.inner_text(f"#otto {PAGE} h1").strip() == "Otto Mini Backpack"
    assert "£265.00" in page.inner_text("#otto .sk-price")
    assert page.locator('aside .sk-root[data-sk-component="price"]').count() == 1
    page.wait_for_selector('aside [data-stallkit="price"][data-stallkit-state="ready"]')
    mounts = page.evaluate(
        """() => [...document.querySelectorAll('[data-stallkit]')].map((el) => ({
             open: !!el.shadowRoot, sheets: el.shadowRoot ? el.shadowRoot.adoptedStyleSheets.length : 0,
             light: el.querySelector('.sk-root') !== null}))"""
    )
    assert mounts == [{"open": True, "sheets": 2, "light": False}] * 2, "each component paints in its own shadow root"
    assert page.locator('link[rel="stylesheet"][href*="/static/themes/"]').count() == 0, "nothing styles the host"
    themes = [url for url in page.requested if "/static/themes/" in url]
    assert len(themes) == 1, "theme CSS is fetched once however many components the page embeds"
    assert page.evaluate("window.htmx === undefined"), "first paint needs no library"
    assert page.errors == []


def test_choosing_a_variant_swaps_price_and_stock_without_a_reload(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, deployment)
    page.evaluate("window.__stallkitMarker = 'still the same document'")
    before_stock = page.inner_text("#otto .sk-stock")
    page.click('#otto a.sk-variant-picker__choice[data-sk-variant="MH-OTT-CHS"]')
    page.wait_for_selector('#otto a[data-sk-variant="MH-OTT-CHS"][aria-current="true"]', timeout=10_000)
    assert "£285.00" in page.inner_text("#otto .sk-price")
    after_stock = page.inner_text("#otto .sk-stock")
    assert after_stock != before_stock
    assert "Sold out" in after_stock
    assert page.evaluate("window.__stallkitMarker") == "still the same document"
    assert page.url == f"{deployment.host}/?variant=MH-OTT-CHS"  # the same document, the choice in its address
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "product-page-variant-swap.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_keyboard_reaches_and_activates_the_variant_picker(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, deployment)
    target = page.locator('#otto a.sk-variant-picker__choice[data-sk-variant="MH-OTT-TAN"]')
    target.focus()
    assert page.evaluate("document.activeElement.id") == "otto"  # focus inside a shadow root shows as its host
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.dataset.skVariant") == "MH-OTT-TAN"
    page.keyboard.press("Enter")
    page.wait_for_selector('#otto a[data-sk-variant="MH-OTT-TAN"][aria-current="true"]', timeout=10_000)


def test_no_serious_or_critical_accessibility_violations(
    browser: Any, deployment: Deployment, axe_script: Path
) -> None:
    page = _open(browser, deployment)
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate("async () => await axe.run(document.querySelector('#otto'))")
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == [], json.dumps(serious, indent=1)
    assert len(result["passes"]) > 10


def test_impressions_and_variant_selection_reach_analytics(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, deployment)
    page.click('#otto a.sk-variant-picker__choice[data-sk-variant="MH-OTT-BLK"]')
    page.wait_for_selector('#otto a[data-sk-variant="MH-OTT-BLK"][aria-current="true"]', timeout=10_000)
    page.close()  # pagehide flushes the beacon queue
    deadline = time.monotonic() + 10
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        counts = event_counts(deployment, "otto-mini-backpack")
        if counts.get("impression", 0) >= 1 and counts.get("variant_select", 0) >= 1:
            break
        time.sleep(0.3)
    assert counts.get("impression", 0) >= 1, counts
    assert counts.get("variant_select", 0) >= 1, counts
