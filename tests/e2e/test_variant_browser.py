"""Choosing a colour in real Chromium, by keyboard: the photo and caption follow it, focus stays on the
chosen swatch, a live region says what was chosen, and the host page's address keeps the choice, so a
reload (or a shared link) shows the same colour.

The host page (tests/e2e/conftest.py) embeds the Otto product page and, beside it, the price of another
product: the address's ``?variant=`` belongs to Otto, and the other mount must still load.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.e2e.conftest import Deployment

PAGE = '#otto .sk-root[data-sk-component="product-page"]'
CHOICE = '#otto a.sk-variant-picker__choice[data-sk-variant="{sku}"]'
FOCUSED_SKU = "() => { const a = document.activeElement; return a && a.shadowRoot && a.shadowRoot.activeElement"
FOCUSED_SKU += " ? a.shadowRoot.activeElement.dataset.skVariant : null }"


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector(PAGE, timeout=15_000)
    return page


def _shows(page: Any, sku: str, title: str) -> None:
    """The picker, the gallery's photo (by its alt text) and its caption all say the variant ``sku``."""
    page.wait_for_selector(CHOICE.format(sku=sku) + '[aria-current="true"]', timeout=10_000)
    colour = title.split()[0].lower()
    assert colour in page.locator("#otto .sk-gallery__image").first.get_attribute("alt").lower()
    assert page.inner_text("#otto .sk-gallery__variant").strip() == f"Shown in {title}"


def test_a_colour_chosen_by_keyboard_shows_itself_keeps_focus_and_survives_a_reload(
    browser: Any, deployment: Deployment
) -> None:
    page = _open(browser, f"{deployment.host}/?campaign=autumn")
    _shows(page, "MH-OTT-BLK", "Black calfskin")
    black_photo = page.locator("#otto .sk-gallery__image").first.get_attribute("src")

    page.locator(CHOICE.format(sku="MH-OTT-BLK")).focus()  # the shopper tabs into the picker ...
    page.keyboard.press("Tab")  # ... moves to the next colour ...
    assert page.evaluate(FOCUSED_SKU) == "MH-OTT-TAN"
    page.keyboard.press("Enter")  # ... and chooses it

    _shows(page, "MH-OTT-TAN", "Tan calfskin")
    tan_photo = page.locator("#otto .sk-gallery__image").first.get_attribute("src")
    assert tan_photo != black_photo and tan_photo.endswith("/static/demo/images/variants/mh-ott-tan.svg")
    page.wait_for_function(f"({FOCUSED_SKU})() === 'MH-OTT-TAN'", timeout=5_000)  # focus stayed on the swatch
    live = page.locator("#otto .sk-live")
    assert live.get_attribute("role") == "status"
    page.wait_for_function(
        "() => document.querySelector('#otto').shadowRoot.querySelector('.sk-live').textContent !== ''"
    )
    assert live.text_content() == "Tan calfskin selected, £265.00, in stock"
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"campaign": ["autumn"], "variant": ["MH-OTT-TAN"]}  # the host's own parameters kept

    page.reload()
    page.wait_for_selector(PAGE, timeout=15_000)
    _shows(page, "MH-OTT-TAN", "Tan calfskin")
    # The other product's mount on the page does not know this SKU and still loads, with its own default.
    page.wait_for_selector('aside [data-stallkit="price"][data-stallkit-state="ready"]', timeout=10_000)
    assert page.errors == []
    page.close()


def test_a_shared_link_with_a_variant_opens_on_it(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, f"{deployment.host}/?variant=MH-OTT-CHS")
    _shows(page, "MH-OTT-CHS", "Chestnut vegetable-tanned")
    assert page.evaluate("window.htmx === undefined"), "the address is read with no library"
    page.close()


def test_an_unknown_variant_in_the_address_falls_back_to_the_default(browser: Any, deployment: Deployment) -> None:
    page = _open(browser, f"{deployment.host}/?variant=NOT-A-SKU")
    _shows(page, "MH-OTT-BLK", "Black calfskin")
    assert page.locator('[data-stallkit-state="error"]').count() == 0
    page.close()
