"""A real deployment for browser tests: the demo storefront in its own uvicorn process, and a
brand's own website on another origin that embeds it with one script tag.

The storefront uses the suite's database backend (a fresh SQLite file, or a fresh PostgreSQL
database when ``STALLKIT_TEST_DATABASE_URL`` is set). Chromium is Debian's, driven by
Playwright; with ``CI=true`` a missing browser fails the run instead of skipping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from storefront.demo.site import make_server, site_origins
from tests.live import free_port, live_storefront
from tests.stripe_server import STRIPE_TEST_KEY, LocalStripe

CHROMIUM = os.environ.get("STALLKIT_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / ".cache" / "axe.min.js"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, what: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is missing; CI must not skip browser tests")
    pytest.skip(f"{what} is missing")


@dataclass(frozen=True)
class Deployment:
    api: str
    host: str
    publishable_key: str
    secret_key: str
    site: Path  # the brand site's folder: a test may add pages of its own beside index.html


def _host_page(api: str, key: str) -> str:
    """A brand's own page: its own styles, one script tag, placeholders for our components."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maison Hollis: Otto</title>
<style>body {{ font-family: serif; margin: 2rem; background: #fbf8f2; }} a {{ color: hotpink; }}</style>
<script src="{api}/embed.js" async></script></head>
<body><header><h2>Maison Hollis</h2></header>
<main>
  <div id="otto" data-stallkit="product-page" data-product="otto-mini-backpack" data-key="{key}"></div>
  <aside><div data-stallkit="price" data-product="noa-micro-bag" data-key="{key}"></div></aside>
</main></body></html>"""


@contextmanager
def serve_demo(
    data_dir: Path, host_page: Callable[[str, str], str], extra_env: dict[str, str] | None = None
) -> Iterator[Deployment]:
    """Seed the demo into a fresh database, serve it with uvicorn, and ``host_page(api, pk)`` on another origin."""
    with live_storefront(data_dir, extra_env) as storefront:
        host_port = free_port()
        host = f"http://127.0.0.1:{host_port}"
        site = data_dir / "site"
        site.mkdir()
        (site / "index.html").write_text(host_page(storefront.api, storefront.publishable_key))

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", host_port), lambda *a: Quiet(*a, directory=str(site)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            deployment = Deployment(
                api=storefront.api,
                host=host,
                publishable_key=storefront.publishable_key,
                secret_key=storefront.secret_key,
                site=site,
            )
            _allow(deployment, [])
            yield deployment
        finally:
            httpd.shutdown()
            httpd.server_close()


def event_counts(deployment: Deployment, product: str) -> dict[str, int]:
    """Analytics event counts for ``product``, every component and method together."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/analytics/summary", headers={"Authorization": f"Bearer {deployment.secret_key}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        summary = json.loads(response.read())
    totals: dict[str, int] = {}
    for group in summary["groups"]:
        if group["product"] == product:
            for name, value in group["counts"].items():
                totals[name] = totals.get(name, 0) + value
    return totals


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with serve_demo(tmp_path_factory.mktemp("e2e"), _host_page) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: sync Playwright keeps an event loop running on this thread while it is open,
    which would stop every async test collected after it."""
    _require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    _require(AXE.exists() or shutil.which("npm") is not None, "axe-core (tests/run.sh fetches it with npm)")
    if not AXE.exists():
        fetch_axe()
    return AXE


def fetch_axe() -> None:
    """axe-core from the npm registry, unpacked once into tests/e2e/.cache (not committed)."""
    AXE.parent.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm") or "npm"
    subprocess.run(  # noqa: S603 - fixed argv
        [npm, "pack", "axe-core@4.14.1", "--silent"], cwd=AXE.parent, check=True, capture_output=True
    )
    subprocess.run(["tar", "xzf", "axe-core-4.14.1.tgz", "package/axe.min.js"], cwd=AXE.parent, check=True)  # noqa: S607
    (AXE.parent / "package" / "axe.min.js").rename(AXE)


AT_REST = """() => {
  const roots = [document, ...(window.stallkit ? window.stallkit.roots() : [])];
  return roots.every((r) => !r.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added'));
}"""


def serious_violations(page: Any, axe: Path, selector: str = "body") -> list[dict[str, Any]]:
    """axe's serious and critical findings inside ``selector`` (Playwright's locator sees into shadow roots).

    axe is added to the page if this document does not have it yet (every navigation starts afresh).
    It runs once the page is at rest: no htmx request, swap or settle under way in any component (a
    component dims itself while it waits for an answer) and, with motion reduced, no fade still running.
    """
    page.emulate_media(reduced_motion="reduce")
    page.wait_for_function(AT_REST, timeout=10_000)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    element = page.locator(selector).first.element_handle()
    result = page.evaluate("async (el) => await axe.run(el)", element)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@dataclass(frozen=True)
class BrandSite:
    deployment: Deployment
    url: str


def _allow(deployment: Deployment, origins: list[str]) -> None:
    """The brand's allowed origins: the test's host page and ``origins``."""
    body = json.dumps({"allowed_origins": [deployment.host, *origins]}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/brand",
        data=body,
        method="PATCH",
        headers={"Authorization": f"Bearer {deployment.secret_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback
        pass


def paying_env(localstripe: LocalStripe) -> dict[str, str]:
    """A demo that takes payments through the local Stripe test server, with no reconciliation running."""
    return {
        "STALLKIT_STRIPE_SECRET_KEY": STRIPE_TEST_KEY,
        "STALLKIT_STRIPE_PUBLISHABLE_KEY": "pk_test_stallkit_localstripe",
        "STALLKIT_STRIPE_API_BASE": localstripe.api_base,
        "STALLKIT_RECONCILE_INTERVAL_S": "0",
    }


@pytest.fixture(scope="module")
def brand_site(tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe) -> Iterator[BrandSite]:
    """The demo storefront paying through localstripe, and the demo's brand site rendering it on its server."""
    payments = paying_env(localstripe)
    with serve_demo(tmp_path_factory.mktemp("e2e-nojs"), lambda api, key: "", payments) as deployment:
        server = make_server("127.0.0.1", 0, deployment.api, deployment.publishable_key)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            _allow(deployment, site_origins("127.0.0.1", server.server_port))
            yield BrandSite(deployment=deployment, url=f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            server.server_close()


def fill_courier_details(checkout: Any) -> None:
    """The checkout's details for a courier order to Columbia Road: contact, address and the courier's phone."""
    checkout.get_by_label("Email").fill("ada@example.com")
    checkout.get_by_label("Name", exact=True).fill("Ada Lovelace")
    checkout.get_by_label("Full name").fill("Ada Lovelace")
    checkout.get_by_label("Address line 1").fill("12 Columbia Road")
    checkout.get_by_label("Town or city").fill("London")
    checkout.get_by_label("Postcode").fill("E2 8AA")
    checkout.get_by_label("Phone, for the courier").fill("+44 7700 900123")
