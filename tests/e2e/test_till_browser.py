"""The stall till in real Chromium: unlock, scan a SKU, pay cash, see the change and "Paid", open the receipt.

The till runs as an operator starts it (``python -m popup.cli open PACK``, its own process on a
loopback port) from a signed pack; nothing here talks to a storefront.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import serious_violations
from tests.live import ROOT, free_port, wait_for
from tests.popup.till_fixtures import KEY, PIN, make_pack, make_reservation

PICKUP_CODE = "K7MQ9X"


@pytest.fixture(scope="module")
def till_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-till")
    pack = folder / "pack.json"
    reservation = make_reservation(PICKUP_CODE, {"MH-PIP-OXB": 1}, number="SK-7QK4M2PA", name="Grace Hopper")
    pack.write_bytes(make_pack(now=datetime.now(UTC), reservations=[reservation]))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("STALLKIT_PACK_KEY", "STALLKIT_TILL_PIN")}
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "popup.cli", "open", str(pack), "--data", str(folder / "till"), "--port", str(port),
         "--key", KEY, "--pin", PIN],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/static/till.css")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_a_cash_sale_from_scan_to_receipt(browser: Any, till_url: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{till_url}/")
    assert page.url == f"{till_url}/unlock"  # locked until a PIN is given

    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Staff PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{till_url}/")

    scan = page.get_by_test_id("scan")
    assert scan.evaluate("el => el === document.activeElement")  # a scanner types straight in
    scan.fill("MH-NOA-TAN")
    scan.press("Enter")  # what a barcode scanner sends after the SKU
    page.wait_for_selector("#cart >> text=Noa Micro Bag (Tan)")
    assert scan.input_value() == ""  # ready for the next scan
    assert page.get_by_test_id("total").inner_text() == "£125.00"

    page.get_by_test_id("cash").fill("150")
    page.get_by_role("button", name="Pay £125.00").click()
    paid = page.get_by_test_id("paid")
    paid.wait_for()
    assert paid.inner_text() == "Paid"
    assert page.get_by_test_id("change").inner_text() == "£25.00"
    page.wait_for_function("document.querySelector('[data-testid=pending]').textContent === '1'")

    page.get_by_test_id("receipt-link").click()
    page.wait_for_url(f"{till_url}/sales/*")
    receipt = page.get_by_role("article", name="Receipt")
    text = receipt.inner_text()
    assert "7K3MQ9-00001" in text and "£125.00" in text and "Change" in text and "£25.00" in text
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()  # the printed receipt is the receipt alone
    assert errors == []
    page.close()


def unlock(page: Any, till_url: str) -> None:
    page.goto(f"{till_url}/unlock")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("Staff PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{till_url}/")


def test_a_reservation_collected_with_the_shoppers_pickup_code(browser: Any, till_url: str, axe_script: Path) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    unlock(page, till_url)
    page.get_by_role("link", name="Collect").click()
    page.wait_for_url(f"{till_url}/collect")
    waiting = page.get_by_test_id("waiting")
    assert "SK-7QK4M2PA" in waiting.inner_text() and "Grace Hopper" in waiting.inner_text()
    assert serious_violations(page, axe_script) == []  # with a reservation listed (the parametrised check sees none)
    code = page.get_by_label("Pickup code from the shopper's confirmation")
    code.fill("nope22")
    page.get_by_role("button", name="Hand over").click()
    page.wait_for_selector("#message >> text=no order waiting here has pickup code")
    code.fill("k7m q9x")  # as a shopper reads it out
    page.get_by_role("button", name="Hand over").click()
    done = page.get_by_test_id("collect-done")
    done.wait_for()
    assert "Hand over order SK-7QK4M2PA to Grace Hopper" in done.inner_text()
    assert "Pip Card Case (Oxblood)" in done.inner_text() and "MH-PIP-OXB" in done.inner_text()
    page.get_by_role("link", name="Collect another").click()
    page.wait_for_selector("text=No reservation is waiting at this stall.")
    assert errors == []
    page.close()


@pytest.mark.parametrize("path", ["/unlock", "/", "/returns", "/trade-ins", "/collect", "/stock-count", "/cash-up"])
def test_the_till_pages_have_no_serious_accessibility_violation(
    browser: Any, till_url: str, axe_script: Path, path: str
) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})  # a tablet on the stall
    page.goto(f"{till_url}/unlock")
    if path != "/unlock":
        page.get_by_label("Your name").fill("Ada")
        page.get_by_label("Staff PIN").fill(PIN)
        page.get_by_role("button", name="Unlock").click()
        page.wait_for_url(f"{till_url}/")
        page.goto(f"{till_url}{path}")
    assert page.url == f"{till_url}{path}"
    assert serious_violations(page, axe_script) == []
    page.close()
