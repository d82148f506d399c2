"""A person opens the demo's brand site on the port they chose, and every component on it paints.

``STALLKIT_DEMO_SITE_PORT`` moves the site to a port of its own; before, the brand allowed only
``:8001``, so every component's fetch failed its CORS check and the page kept its fallback text.
The real ``stallkit demo`` in a subprocess, the real Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo.test_demo_processes import Demo
from tests.e2e.conftest import browser  # noqa: F401 (the fixture)
from tests.stripe_server import _require_localstripe


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    _require_localstripe()
    started = Demo(tmp_path)
    try:
        started.wait_until_serving()
        yield started
    finally:
        started.kill()


def test_the_brand_site_on_its_own_port_paints_every_component(browser: Any, demo: Demo) -> None:  # noqa: F811
    assert demo.site_port != 8001
    page = browser.new_page()
    try:
        page.goto(f"http://localhost:{demo.site_port}/", wait_until="domcontentloaded")
        placeholders = page.locator("[data-stallkit]")
        count = placeholders.count()
        assert count >= 4, count
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-stallkit]')]"
            ".every((el) => ['ready', 'error'].includes(el.dataset.stallkitState))",
            timeout=20_000,
        )
        states = page.eval_on_selector_all("[data-stallkit]", "els => els.map((el) => el.dataset.stallkitState)")
        assert states == ["ready"] * count, states
        assert page.inner_text('[data-stallkit="product-page"] .sk-root h1').strip() == "Noa Micro Bag"
    finally:
        page.close()
