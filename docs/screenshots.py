"""Screenshots of the demo's brand site for the docs: ``.venv/bin/python docs/screenshots.py``.

Starts ``stallkit demo`` on free ports with its data in a temporary directory (so the demo a
reader may be running is left alone), then walks a shopper through it in headless Chromium with
JavaScript off, the way ``tests/e2e/test_nojs_browser.py`` does: every step is a plain link or post
on the brand's own page, so each capture shows what the brand's server rendered. Writes PNGs
beside this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _wait, fill_courier_details, free_port  # noqa: E402 (after the path)

OUT = Path(__file__).parent


def _shoot(page: Any, name: str, *, tall: int = 0) -> None:
    """The viewport, or with ``tall`` the page from its top down to that many pixels (PNGs stay small)."""
    path = OUT / name
    if tall:
        size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], tall)}
        page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
    else:
        page.screenshot(path=str(path), animations="disabled")
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def _walk(site: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for width, tall, name in ((1280, 3000, "product-page-1280.png"), (390, 4200, "product-page-390.png")):
                context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(site + "/")
                page.evaluate("document.fonts.ready")
                _shoot(page, name, tall=tall)
                context.close()

            context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(site + "/?variant=MH-NOA-BLK")
            main = page.locator("#main")
            main.locator('input[name="method"][value="courier"]').check()
            main.locator('input[name="postcode"]').fill("E2 8AA")
            main.locator(".sk-add-to-cart__button").click()
            bag = page.locator(".masthead .sk-mini-cart__toggle")
            bag.click()  # a popover's button: opens the drawer with no script
            page.locator(".masthead .sk-mini-cart__drawer").wait_for(state="visible")
            _shoot(page, "bag-drawer.png")

            page.locator(".masthead .sk-mini-cart").get_by_role("link", name="Checkout").click()
            checkout = page.locator("#main .sk-checkout--details")
            fill_courier_details(checkout)
            checkout.scroll_into_view_if_needed()
            _shoot(page, "checkout-address.png")

            checkout.get_by_role("button", name="Continue to payment").click()
            pay = page.locator("#main .sk-checkout--pay")
            pay.get_by_role("button", name=re.compile("with test card")).click()
            page.locator("#main .sk-checkout--done").wait_for()
            page.locator("#main").scroll_into_view_if_needed()
            _shoot(page, "order-confirmation.png")
            context.close()
        finally:
            browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="stallkit-shots-") as data:
        api_port, site_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STALLKIT_")}
        env |= {"STALLKIT_DATA_DIR": data, "STALLKIT_PORT": str(api_port), "STALLKIT_DEMO_SITE_PORT": str(site_port)}
        demo = subprocess.Popen(
            [sys.executable, "-m", "storefront.cli", "demo"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            site = f"http://127.0.0.1:{site_port}"
            _wait(f"http://127.0.0.1:{api_port}/healthz", timeout=120)
            _wait(site + "/", timeout=30)
            _walk(site)
        finally:
            demo.terminate()
            demo.wait(timeout=20)


if __name__ == "__main__":
    main()
