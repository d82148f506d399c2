"""A refusal htmx would not swap in is still said in words, in real Chromium.

A rate limit answers 429 with a problem body, which htmx does not put on the page: without
embed.js's help the shopper's Enter would seem to do nothing. Here the credit look-up is limited
to two a minute; the third says to try again in so many seconds, beside the form and as an alert,
and what the shopper typed stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, serious_violations, serve_demo

BALANCE = '#balance .sk-root[data-sk-component="credit-balance"]'
FIELD = f"{BALANCE} input[name='credit_code']"
REFUSAL = f"{BALANCE} .sk-refusal"


def _host_page(api: str, key: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: your credit</title>
<script src="{api}/embed.js" async></script></head>
<body><main><h1>Your credit</h1>
<div id="balance" data-stallkit="credit-balance" data-key="{key}"></div>
</main></body></html>"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data_dir: Path = tmp_path_factory.mktemp("e2e-refusals")
    with serve_demo(data_dir, _host_page, {"STALLKIT_RATE_LIMIT_CREDIT_LOOKUPS": "2/minute"}) as running:
        yield running


def _look_up(page: Any, code: str) -> None:
    page.fill(FIELD, code)
    page.press(FIELD, "Enter")


def test_a_rate_limited_look_up_says_to_wait(browser: Any, limited: Deployment, axe_script: Path) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(limited.host)
    page.wait_for_selector(FIELD, timeout=15_000)
    wrong = "SKC-7K3M-Q9TX-AAAA-BBBB-CCCC"
    for _ in range(2):  # within the limit: each answered in the form (not a valid code)
        with page.expect_response(lambda r: "/v1/components/credit-balance" in r.url) as answer:
            _look_up(page, wrong)
        assert answer.value.status == 200
        page.wait_for_selector(f"{BALANCE} .sk-field__error", timeout=10_000)
    assert page.query_selector(REFUSAL) is None

    with page.expect_response(lambda r: "/v1/components/credit-balance" in r.url) as answer:
        _look_up(page, wrong)
    assert answer.value.status == 429
    page.wait_for_selector(REFUSAL, timeout=10_000)
    said = page.inner_text(REFUSAL)
    assert said.startswith("Too many tries from here. Please try again in "), said
    assert page.get_attribute(REFUSAL, "role") == "alert"
    assert page.input_value(FIELD) == wrong  # nothing the shopper typed was lost
    assert serious_violations(page, axe_script, BALANCE) == []
    assert errors == []
    page.close()
