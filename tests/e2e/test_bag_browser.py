"""A shopper edits their bag in real Chromium: add, change the quantity, remove, with and without JavaScript.

The brand's page holds a mini-cart in its header and our product page (Noa micro bag: 4 in Tan
at Columbia Road). With a script, one change in either bag shows in both (the ``sk-cart``
event), asking for more than the shop holds is refused in words beside the field, and Enter
in the postcode field refreshes the promise without adding anything. Without a script the
same forms work as plain posts, each answer a page of its own.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import Deployment, serve_demo

PRODUCT = "noa-micro-bag"
PAGE = '#bag .sk-root[data-sk-component="product-page"]'
HEADER = '#header-cart .sk-root[data-sk-component="mini-cart"]'
UNDER_BUTTON = f"{PAGE} .sk-add-to-cart__result"


def _host_page(api: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: Noa</title>
<script src="{api}/embed.js" async></script></head>
<body><header><div id="header-cart" data-stallkit="mini-cart" data-key="{key}"></div></header>
<main><div id="bag" data-stallkit="product-page" data-product="{PRODUCT}" data-key="{key}"></div></main>
</body></html>"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-bag")


@pytest.fixture(scope="module")
def shop(data_dir: Path) -> Iterator[Deployment]:
    with serve_demo(data_dir, _host_page) as running:
        yield running


def _call(url: str, *, key: str, method: str = "GET", body: dict[str, Any] | None = None) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - loopback URL from the deployment
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return bytes(response.read())


def _count(page: Any, selector: str = "") -> str:
    return str(page.inner_text(f"{selector} .sk-mini-cart__count".strip()))


def _post(page: Any, button: Any) -> None:
    """Click a submit button of a plain form and wait for the answer's page.

    A bare answer carries no stylesheet: the bag shows as its "Bag (n)" button, whose popover opens
    with no script, as a shopper would open it.
    """
    toggle = page.locator(".sk-mini-cart__toggle")
    if toggle.count() == 1 and toggle.is_visible() and not button.is_visible():
        toggle.click()
    with page.expect_navigation(timeout=10_000):
        button.click()


def _wait_text(page: Any, selector: str, pattern: str) -> None:
    page.locator(selector).filter(has_text=re.compile(pattern)).first.wait_for(timeout=10_000)


def test_add_step_and_remove_with_every_bag_in_step(browser: Any, shop: Deployment) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(shop.host)
    page.wait_for_selector(f"{HEADER} .sk-mini-cart--empty", timeout=15_000)
    page.wait_for_selector(f"{PAGE} .sk-fulfilment-promise--promised", timeout=15_000)

    # Enter in the postcode field refreshes the promise; nothing goes into the bag.
    page.check(f'{PAGE} input[name="method"][value="courier"]')
    page.fill(f'{PAGE} input[name="postcode"]', "E2 8AA")
    page.press(f'{PAGE} input[name="postcode"]', "Enter")
    _wait_text(page, f"{PAGE} .sk-fulfilment-promise", "[Dd]elivery")
    assert page.input_value(f'{PAGE} input[name="postcode"]') == "E2 8AA"
    assert page.locator(f"{UNDER_BUTTON} .sk-mini-cart").count() == 0
    assert page.locator(f"{HEADER} .sk-mini-cart--empty").count() == 1

    # More than the shop holds: refused at once, in words, beside the quantity.
    page.check(f'{PAGE} input[name="method"][value="pickup"]')
    _wait_text(page, f"{PAGE} .sk-fulfilment-promise", "Ready to collect")
    page.fill(f'{PAGE} input[name="quantity"]', "50")
    page.click(f"{PAGE} .sk-add-to-cart__button")
    _wait_text(page, f"{PAGE} .sk-add-to-cart__quantity .sk-field__error", "you asked for 50")
    refusal = page.inner_text(f"{PAGE} .sk-add-to-cart__quantity .sk-field__error")
    assert re.match(r"Only 4 of Noa Micro Bag in Tan can be collected at .*Columbia Road; you asked for 50\.", refusal)
    assert page.get_attribute(f'{PAGE} input[name="quantity"]', "aria-invalid") == "true"

    # One fits: both bags show it.
    page.fill(f'{PAGE} input[name="quantity"]', "1")
    page.click(f"{PAGE} .sk-add-to-cart__button")
    page.wait_for_selector(f"{UNDER_BUTTON} .sk-mini-cart--open", timeout=10_000)
    _wait_text(page, f"{HEADER} .sk-mini-cart__count", r"\(1 item\)")

    # One more, from the header's bag: the copy under the button follows.
    page.locator(HEADER).get_by_role("button", name="One more").click()
    _wait_text(page, f"{HEADER} .sk-mini-cart__count", r"\(2 items\)")
    _wait_text(page, f"{UNDER_BUTTON} .sk-mini-cart__count", r"\(2 items\)")

    # Up to what the shop holds, then one step too far is refused beside the line.
    for expected in (3, 4):
        page.locator(UNDER_BUTTON).get_by_role("button", name="One more").click()
        _wait_text(page, f"{HEADER} .sk-mini-cart__count", rf"\({expected} items\)")
    page.locator(UNDER_BUTTON).get_by_role("button", name="One more").click()
    _wait_text(page, f"{UNDER_BUTTON} .sk-mini-cart__error", "you asked for 5")
    assert _count(page, UNDER_BUTTON) == "(4 items)"

    # Remove, from the copy under the button: the header's bag empties too.
    page.locator(UNDER_BUTTON).get_by_role("button", name=re.compile("^Remove")).click()
    page.wait_for_selector(f"{HEADER} .sk-mini-cart--empty", timeout=10_000)
    page.wait_for_selector(f"{UNDER_BUTTON} .sk-mini-cart--empty", timeout=10_000)
    assert errors == []
    page.close()


def test_the_same_forms_work_as_plain_posts_without_javascript(browser: Any, shop: Deployment, data_dir: Path) -> None:
    """The brand's server includes the buy box in its page; every answer after that is a page of ours.

    Those answer pages post from the API's own origin, so the brand allows it here (a no-script
    shop has to: see the report on the origin check).
    """
    origins = {"allowed_origins": [shop.host, shop.api]}
    _call(f"{shop.api}/v1/brand", key=shop.secret_key, method="PATCH", body=origins)
    query = urlencode({"product": PRODUCT, "key": shop.publishable_key})
    fragment = _call(f"{shop.api}/v1/components/add-to-cart?{query}", key=shop.publishable_key).decode()
    (data_dir / "site" / "no-script.html").write_text(f"<!doctype html><html lang='en'><body>{fragment}</body></html>")

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{shop.host}/no-script.html")
    page.fill('input[name="quantity"]', "2")
    _post(page, page.locator(".sk-add-to-cart__button"))
    assert "/v1/components/add-to-cart" in page.url  # a page of its own: the action's answer
    assert _count(page, ".sk-add-to-cart__result") == "(2 items)"

    _post(page, page.get_by_role("button", name="One fewer"))
    assert _count(page) == "(1 item)"
    for expected in ("(2 items)", "(3 items)", "(4 items)"):
        _post(page, page.get_by_role("button", name="One more"))
        assert _count(page) == expected
    _post(page, page.get_by_role("button", name="One more"))  # 4 at the shop: a fifth is refused
    assert _count(page) == "(4 items)"
    assert "you asked for 5" in (page.text_content(".sk-mini-cart__error") or "")
    _post(page, page.get_by_role("button", name=re.compile("^Remove")))
    assert "Your bag is empty." in (page.text_content(".sk-mini-cart") or "")
    context.close()
