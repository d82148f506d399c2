"""A shopper values an old bag and checks a credit in real Chromium, by keyboard alone.

The brand's page embeds the ``trade-in-estimator`` and the ``credit-balance`` (each in its own
shadow root). The estimator is filled with Tab, the arrow keys and Space: once every choice is
made a quote appears, changing the condition changes it, and the focus stays on the control that
was used. A credit issued to the brand is then looked up by typing its code and pressing Enter.
Both pass axe with no serious finding.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, serious_violations, serve_demo

ESTIMATOR = '#trade-in .sk-root[data-sk-component="trade-in-estimator"]'
BALANCE = '#balance .sk-root[data-sk-component="credit-balance"]'
QUOTE = f"{ESTIMATOR} .sk-trade-in-estimator__result"
AMOUNT = re.compile(r"We'd offer (£[\d.,]+) in store credit\.")


def _host_page(api: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: trade in</title>
<script src="{api}/embed.js" async></script></head>
<body><main><h1>Trade in</h1>
<div id="trade-in" data-stallkit="trade-in-estimator" data-key="{key}"></div>
<div id="balance" data-stallkit="credit-balance" data-key="{key}"></div>
</main></body></html>"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir: Path = tmp_path_factory.mktemp("e2e-trade-in")
    with serve_demo(data_dir, _host_page) as running:
        yield running


def _issue_credit(deployment: Deployment, amount: int) -> str:
    body = json.dumps({"amount": {"amount": amount, "currency": "GBP"}, "reason": "trade-in"}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/credits",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {deployment.secret_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return str(json.loads(response.read())["code"])


def _focused_id(page: Any, host: str) -> str:
    """The id of what has the focus inside ``host``'s shadow root ("" when the focus is elsewhere)."""
    return str(page.evaluate(f"() => document.querySelector('{host}').shadowRoot.activeElement?.id || ''"))


def _amount(page: Any, not_this: str | None = None) -> str:
    """Wait for a quote (other than ``not_this``) and answer its amount."""

    def shown() -> str:
        found = AMOUNT.search(page.inner_text(QUOTE) or "")
        return found.group(1) if found else ""

    page.wait_for_function(
        """([sel, old]) => { const el = document.querySelector('#trade-in').shadowRoot.querySelector(sel);
           const m = el && /We'd offer (£[\\d.,]+) in store credit/.exec(el.innerText); return m && m[1] !== old; }""",
        arg=[".sk-trade-in-estimator__result", not_this or ""],
        timeout=10_000,
    )
    return shown()


def test_value_a_bag_by_keyboard_then_check_a_credit(browser: Any, shop: Deployment, axe_script: Path) -> None:
    code = _issue_credit(shop, 4_250)
    page = browser.new_page(viewport={"width": 1000, "height": 1800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(shop.host)
    page.wait_for_selector(f"{ESTIMATOR} select[name='category']", timeout=15_000)
    page.wait_for_selector(f"{BALANCE} input[name='credit_code']", timeout=15_000)
    assert "To see a quote, choose" in page.inner_text(QUOTE)

    page.focus(f"{ESTIMATOR} select[name='category']")
    page.keyboard.press("ArrowDown")  # the first kind the brand lists (or "Something else")
    page.keyboard.press("Tab")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # mini, then standard... to oversized
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # a material
    page.keyboard.press("Tab")  # into the condition group: grade A
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # into "one of ours?": yes
    page.keyboard.press("Space")
    first = _amount(page)
    assert _focused_id(page, "#trade-in") == "sk-trade-in-own_brand-yes"  # the focus stayed where the shopper was
    words = page.inner_text(QUOTE)
    assert "Base value of" in words and "Condition A (like new): 100%" in words
    assert re.search(r"This quote holds for \d+ days?, until", words), words

    page.keyboard.press("Shift+Tab")  # back to the condition group (grade A)
    page.keyboard.press("ArrowDown")  # B: light wear, and a smaller quote
    second = _amount(page, not_this=first)
    assert "Condition B (light wear)" in page.inner_text(QUOTE)
    assert _focused_id(page, "#trade-in") == "sk-trade-in-condition-B"
    assert float(second.strip("£").replace(",", "")) < float(first.strip("£").replace(",", ""))
    assert serious_violations(page, axe_script, ESTIMATOR) == []

    page.focus(f"{BALANCE} input[name='credit_code']")
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{BALANCE} .sk-credit-balance__result", timeout=10_000)
    result = page.inner_text(f"{BALANCE} .sk-credit-balance__result")
    assert f"Credit ending {code[-4:]}" in result and "£42.50" in result and "Ready to spend." in result
    assert code not in page.inner_text(BALANCE)  # not written back once found
    assert page.input_value(f"{BALANCE} input[name='credit_code']") == ""

    page.fill(f"{BALANCE} input[name='credit_code']", code[:-1] + ("A" if code[-1] != "A" else "B"))
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{BALANCE} .sk-field__error", timeout=10_000)
    assert "typing mistake" in page.inner_text(f"{BALANCE} .sk-field__error")
    assert page.get_attribute(f"{BALANCE} input[name='credit_code']", "aria-invalid") == "true"
    assert serious_violations(page, axe_script, BALANCE) == []
    assert errors == []
    page.close()
