"""The back office's sign-in in real Chromium: the demo owner signs in with what the demo printed, and out.

Against the demo storefront as deployed (its own uvicorn process, plain HTTP on 127.0.0.1, where
Chromium keeps ``Secure`` cookies as it does on HTTPS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Deployment, serious_violations


def owner_password(deployment: Deployment) -> str:
    keys = json.loads((deployment.site.parent / "demo-keys.json").read_text())
    return str(keys["staff_password"])


def test_the_demo_owner_signs_in_sees_the_back_office_and_signs_out(
    browser: Any, deployment: Deployment, axe_script: Path
) -> None:
    # The pages forbid inline script (their CSP); axe is injected as one, so this context lets it in.
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)  # a tablet
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{deployment.api}/admin/")
    assert page.url == f"{deployment.api}/admin/sign-in"
    assert serious_violations(page, axe_script) == []

    page.get_by_label("Email").fill("owner@maison-hollis.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The email or the password is wrong."
    assert page.get_by_label("Email").input_value() == "owner@maison-hollis.example"  # kept for the retry
    assert serious_violations(page, axe_script) == []

    page.get_by_label("Password").fill(owner_password(deployment))
    page.get_by_label("Password").press("Enter")  # by keyboard
    page.wait_for_url(f"{deployment.api}/admin")
    assert page.get_by_role("heading", level=1).inner_text() == "Today"
    assert "Signed in as Hollis owner" in page.locator("main").inner_text()
    [cookie] = [c for c in page.context.cookies() if c["name"] == "stallkit_staff"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("stallkit_staff") == -1  # no script can read it
    assert serious_violations(page, axe_script) == []

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{deployment.api}/admin/sign-in")
    page.goto(f"{deployment.api}/admin/")
    assert page.url == f"{deployment.api}/admin/sign-in"
    assert errors == []
    context.close()


def test_staff_run_a_pop_up_event_from_the_back_office(browser: Any, deployment: Deployment, axe_script: Path) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{deployment.api}/admin/sign-in")
    page.get_by_label("Email").fill("owner@maison-hollis.example")
    page.get_by_label("Password").fill(owner_password(deployment))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{deployment.api}/admin")
    page.get_by_role("link", name="Events").first.click()
    page.wait_for_url(f"{deployment.api}/admin/events")
    assert serious_violations(page, axe_script) == []

    page.get_by_label("Name", exact=True).fill("Spitalfields winter market")
    page.get_by_label("Handle").fill("spitalfields-winter")
    page.get_by_label("Venue", exact=True).fill("Old Spitalfields Market, London E1")
    page.get_by_label("Starts").fill("2026-12-19T10:00")
    page.get_by_label("Ends").fill("2026-12-19T18:00")
    page.get_by_role("button", name="Create the event").click()
    page.get_by_role("heading", name="Spitalfields winter market").wait_for()
    event_url = page.url

    page.get_by_label("SKU").fill("MH-PIP-OXB")
    page.get_by_label("From").select_option("northampton-warehouse")
    page.get_by_label("Units").fill("1")
    page.get_by_role("button", name="Allocate").click()
    page.wait_for_url(event_url)
    assert "MH-PIP-OXB" in page.get_by_role("region", name="Stock at the stall").inner_text()

    page.get_by_label("New till's name").fill("till 1")
    page.get_by_role("button", name="Register a till").click()
    token = page.get_by_test_id("device-token").inner_text()
    assert token.startswith("sk_dev_") and len(page.get_by_test_id("pack-key").inner_text()) == 64
    assert serious_violations(page, axe_script) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="download its pack").click()
    assert download.value.suggested_filename.startswith("pack-spitalfields-winter-")

    page.goto(event_url)
    assert "nothing yet" in page.locator("#sync").inner_text()
    page.get_by_role("button", name="Close Spitalfields winter market").click()
    page.wait_for_url(event_url)
    assert "closed" in page.locator("main p").first.inner_text()
    assert errors == []
    context.close()


def test_a_bag_is_inspected_accepted_and_its_credit_looked_up(
    browser: Any, deployment: Deployment, axe_script: Path
) -> None:
    import urllib.request

    bag = {"category": "tote", "size_class": "standard", "material": "calfskin", "condition": "B", "own_brand": True}
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/trade-ins", data=json.dumps(bag).encode(), method="POST",
        headers={"Authorization": f"Bearer {deployment.secret_key}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        trade_in = json.loads(answer.read())["id"]
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{deployment.api}/admin/sign-in")
    page.get_by_label("Email").fill("owner@maison-hollis.example")
    page.get_by_label("Password").fill(owner_password(deployment))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{deployment.api}/admin")
    page.get_by_role("link", name="Trade-ins").click()
    page.get_by_role("link", name="quoted").click()
    assert serious_violations(page, axe_script) == []
    page.locator(f'a[href="/admin/trade-ins/{trade_in}"]').click()
    page.get_by_role("button", name="The bag has arrived").click()
    page.get_by_label("Condition as found").select_option("C")
    page.get_by_label("Notes (what you saw)").fill("scuffed corners")
    page.get_by_role("button", name="Grade and quote again").click()
    assert page.get_by_test_id("status").inner_text() == "inspected"
    assert serious_violations(page, axe_script) == []
    page.get_by_role("button", name="Accept: issue").click()
    code = page.locator(".slip__code").inner_text()
    assert len(code.split()) >= 5  # printed in groups, once

    page.goto(f"{deployment.api}/admin/credits")
    page.get_by_label("Credit code").fill(code)
    page.get_by_role("button", name="Look up").click()
    assert page.get_by_test_id("balance").inner_text().startswith("£")
    assert code.replace(" ", "") not in page.url.replace("-", "")  # the code never travels in a URL
    assert serious_violations(page, axe_script) == []
    context.close()
