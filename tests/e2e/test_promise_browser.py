"""A shopper types bad postcodes in real Chromium: the promise turns into words, never a stale one; pickup still adds.

The brand's page embeds our product page (Noa micro bag: Tan at Columbia Road, couriers across
London). Choosing the courier and typing a postcode that cannot be one replaces the promise with
"Enter a full UK postcode"; one we don't serve is named, with collection offered instead; and
whatever is left in the postcode field, switching to collection shows its promise and adds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, serve_demo

PRODUCT = "noa-micro-bag"
PAGE = '#bag .sk-root[data-sk-component="product-page"]'
PROMISE = f"{PAGE} .sk-fulfilment-promise"
POSTCODE = f'{PAGE} input[name="postcode"]'
PROMISED = re.compile(r"Order within|Order by|[Dd]elivery (today|tomorrow|on)")


def _host_page(api: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: Noa</title>
<script src="{api}/embed.js" async></script></head>
<body><main><div id="bag" data-stallkit="product-page" data-product="{PRODUCT}" data-key="{key}"></div></main>
</body></html>"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir: Path = tmp_path_factory.mktemp("e2e-promise")
    with serve_demo(data_dir, _host_page) as running:
        yield running


def _promise_says(page: Any, pattern: str) -> str:
    """Wait until the promise on screen matches ``pattern``; its text."""
    page.locator(PROMISE).filter(has_text=re.compile(pattern)).first.wait_for(timeout=10_000)
    return str(page.inner_text(PROMISE))


def _type_postcode(page: Any, postcode: str) -> None:
    """Type it as a shopper does and leave the field: the change asks for the promise afresh."""
    page.fill(POSTCODE, postcode)
    page.press(POSTCODE, "Tab")


def test_bad_postcodes_read_as_words_and_pickup_still_adds(browser: Any, shop: Deployment) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(shop.host)
    page.wait_for_selector(f"{PROMISE}.sk-fulfilment-promise--promised", timeout=15_000)

    page.check(f'{PAGE} input[name="method"][value="courier"]')
    _type_postcode(page, "E2 8AA")
    assert PROMISED.search(_promise_says(page, r"[Dd]elivery"))  # a promise to replace

    _type_postcode(page, "E2 7R")
    words = _promise_says(page, "Enter a full UK postcode")
    assert words.startswith("Enter a full UK postcode, like E2 7RG"), words
    assert not PROMISED.search(words) and page.locator(f"{PROMISE}.sk-fulfilment-promise--unavailable").count() == 1

    _type_postcode(page, "m1 1ae")
    words = _promise_says(page, "We don't deliver to M1 1AE by courier yet")
    assert "you can collect it at" in words and "Columbia Road" in words, words
    assert not PROMISED.search(words) and "postcode_not_served" not in page.content()

    # A postcode no courier would take stays in the field; collecting is still one click and one add.
    _type_postcode(page, "E2 7R")
    _promise_says(page, "Enter a full UK postcode")
    page.check(f'{PAGE} input[name="method"][value="pickup"]')
    words = _promise_says(page, "Ready to collect")
    assert "Enter a full UK postcode" not in words and not PROMISED.search(words)
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{PAGE} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
    assert "Ready to collect" in page.inner_text(f"{PAGE} .sk-add-to-cart__result")  # the line, for pickup
    assert page.is_checked(f'{PAGE} input[name="method"][value="pickup"]')
    assert errors == []
    page.close()
