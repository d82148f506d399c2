"""Host styles never leak in, ours never leak out, and first paint needs no library: real Chromium.

The same components are mounted on a bare host page and on one with Bootstrap 5's CSS plus louder
unlayered rules of its own (``fixtures/loud.css``). Every element inside every component must
compute the same styles on both, the symptoms the issue reported included (underlined, stacked
variant chips, floating legends, 40 px headings), and the host's own elements, some wearing our
class names, must compute the same with and without our components. The placeholders sit in a
fixed-width column: the placeholder is the host's element and its box is the host's to set.

htmx is not fetched until the shopper first focuses, points at or types into a component; a
click or submit made while it is still arriving is held and replayed, so it is never lost.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment

FIXTURES = Path(__file__).parent / "fixtures"
BOOTSTRAP = "bootstrap-5.3.8.min.css"
HTMX = "/static/components/htmx-2.0.11.min.js"
PAGE = '#pp .sk-root[data-sk-component="product-page"]'
MINI = '#mini .sk-root[data-sk-component="mini-cart"]'
EVENTS = '#events .sk-root[data-sk-component="upcoming-events"]'
PROPERTIES = [
    "display",
    "float",
    "position",
    "box-sizing",
    "width",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding-top",
    "padding-left",
    "border-top-width",
    "border-top-style",
    "border-top-left-radius",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-transform",
    "text-decoration-line",
    "color",
    "background-color",
    "list-style-type",
]
COMPONENT_STYLES = """(properties) => {
  const out = {};
  for (const host of document.querySelectorAll('[data-stallkit]')) {
    [...(host.shadowRoot || host).querySelectorAll('*')].forEach((el, i) => {
      const style = getComputedStyle(el);
      const name = `${host.id} #${i} ${el.localName}.${el.getAttribute('class') || ''}`;
      out[name] = Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]));
    });
  }
  return out;
}"""
HOST_STYLES = """(properties) => Object.fromEntries([...document.querySelectorAll('#own, #own *')].map((el) => {
  const style = getComputedStyle(el);
  return [el.id || el.localName, Object.fromEntries(properties.map((p) => [p, style.getPropertyValue(p)]))];
}))"""
# Images that will load have loaded (a lazy one below the fold never does: bounded wait).
IMAGES = """() => Promise.race([new Promise((done) => setTimeout(done, 3000)), Promise.all(
  [...document.querySelectorAll('[data-stallkit]')]
    .flatMap((host) => [...(host.shadowRoot || host).querySelectorAll('img')])
    .map((img) => img.decode().catch(() => null)))])"""
# The host's own markup, some of it wearing our class names: nothing of ours may restyle it.
OWN = """<div id="own"><h1 id="own-h1">Maison Hollis</h1><p class="sk-price" id="own-price">From £95</p>
<a class="sk-button" id="own-link" href="#">Journal</a><button class="sk-button" id="own-button">Sign up</button>
<form><fieldset><legend id="own-legend">Newsletter</legend><label id="own-label">Email</label></fieldset></form>
<ul class="sk-variant-picker__list" id="own-list"><li>Bags</li></ul>
<div class="sk-root" id="own-root">Ours</div></div>"""

LOOKBOOK_DETAIL = "sk-lookbook-autumn-in-the-city-detail"
# The host happens to use the id our lookbook targets: an ``hx-target="#..."`` must find ours alone.
LOOKBOOK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lookbook</title>
<script src="{api}/embed.js" async></script></head>
<body><div id="{detail}">the host's own</div>
<section id="lb" data-stallkit="lookbook" data-lookbook="autumn-in-the-city" data-key="{key}"></section>
</body></html>"""


def _page(api: str, key: str, *, bootstrap: bool, embed: bool = True) -> str:
    styles = f'<link rel="stylesheet" href="{BOOTSTRAP}"><link rel="stylesheet" href="loud.css">' if bootstrap else ""
    script = f'<script src="{api}/embed.js" async></script>' if embed else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Isolation</title>{styles}{script}</head>
<body><main style="width: 1000px">{OWN}
<section id="mini" data-stallkit="mini-cart" data-key="{key}"></section>
<section id="pp" data-stallkit="product-page" data-product="otto-mini-backpack" data-key="{key}"></section>
<section id="events" data-stallkit="upcoming-events" data-key="{key}"></section>
</main></body></html>"""


@pytest.fixture(scope="module")
def pages(deployment: Deployment) -> Deployment:
    """Host pages beside the deployment's own: bare, Bootstrap, and each again without our script."""
    for name in (BOOTSTRAP, "loud.css"):
        shutil.copy(FIXTURES / name, deployment.site / name)
    api, key = deployment.api, deployment.publishable_key
    _coming_event(deployment)
    for name, html in {
        "bare.html": _page(api, key, bootstrap=False),
        "bootstrap.html": _page(api, key, bootstrap=True),
        "bare-plain.html": _page(api, key, bootstrap=False, embed=False),
        "bootstrap-plain.html": _page(api, key, bootstrap=True, embed=False),
        "lookbook.html": LOOKBOOK_PAGE.format(api=api, key=key, detail=LOOKBOOK_DETAIL),
    }.items():
        (deployment.site / name).write_text(html)
    return deployment


def _coming_event(deployment: Deployment) -> None:
    """A market next month, so the upcoming-events component lists one (the demo plans none)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    body = {
        "handle": f"isolation-market-{uuid.uuid4().hex[:6]}", "name": "Columbia Road market",
        "venue": "Columbia Road, London E2", "timezone": "Europe/London",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=8)).isoformat(),
    }  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{deployment.api}/v1/events", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {deployment.secret_key}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        assert response.status == 201


def _open(browser: Any, deployment: Deployment, name: str, *, htmx_delay_s: float = 0.0) -> Any:
    """A fresh context (so a fresh bag) on ``name``, every request and page error recorded."""
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    page.errors, page.requested = [], []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("request", lambda request: page.requested.append(request.url))
    if htmx_delay_s:

        def slow(route: Any) -> None:
            time.sleep(htmx_delay_s)
            route.continue_()

        page.route(f"**{HTMX}", slow)
    page.goto(f"{deployment.host}/{name}")
    page.wait_for_selector(f"{MINI} .sk-mini-cart", timeout=15_000)
    page.wait_for_selector(f"{PAGE} .sk-fulfilment-promise--promised", timeout=15_000)
    page.wait_for_selector(f"{EVENTS} .sk-upcoming-events__event", timeout=15_000)
    page.evaluate(IMAGES)
    return page


def _htmx_requests(page: Any) -> int:
    return sum(url.endswith(HTMX) for url in page.requested)


def test_components_look_the_same_on_a_bare_and_a_bootstrap_host(browser: Any, pages: Deployment) -> None:
    bare = _open(browser, pages, "bare.html")
    loud = _open(browser, pages, "bootstrap.html")
    assert loud.evaluate("getComputedStyle(document.querySelector('#own-legend')).float") == "left"  # Bootstrap is on
    plain, styled = bare.evaluate(COMPONENT_STYLES, PROPERTIES), loud.evaluate(COMPONENT_STYLES, PROPERTIES)
    assert len(plain) > 100, "every element of both components is compared"
    differences = {
        name: {p: (value, styled[name][p]) for p, value in props.items() if styled.get(name, {}).get(p) != value}
        for name, props in plain.items()
    }
    differences = {name: diff for name, diff in differences.items() if diff}
    assert list(plain) == list(styled)
    assert differences == {}, differences

    # The symptoms, named: none of them appears on the Bootstrap host.
    chip = loud.locator(f"{PAGE} a.sk-variant-picker__choice").first
    assert chip.evaluate("(el) => getComputedStyle(el).textDecorationLine") == "none"
    assert chip.evaluate("(el) => getComputedStyle(el).display") == "inline-flex"
    legend = loud.locator(f"{PAGE} .sk-variant-picker__legend")
    assert legend.evaluate("(el) => getComputedStyle(el).float") == "none"
    title = loud.locator(f"{PAGE} h1")
    assert title.evaluate("(el) => getComputedStyle(el).fontSize") != "40px"
    assert bare.errors == loud.errors == []
    bare.close()
    loud.close()


@pytest.mark.parametrize("host", ["bare", "bootstrap"])
def test_components_never_restyle_the_host(browser: Any, pages: Deployment, host: str) -> None:
    with_us = _open(browser, pages, f"{host}.html")
    without = browser.new_page(viewport={"width": 1200, "height": 1600})
    without.goto(f"{pages.host}/{host}-plain.html")
    theirs, ours = without.evaluate(HOST_STYLES, PROPERTIES), with_us.evaluate(HOST_STYLES, PROPERTIES)
    assert len(theirs) >= 9
    assert ours == theirs
    assert with_us.locator("style, link[rel=stylesheet]").count() == (2 if host == "bootstrap" else 0)
    with_us.close()
    without.close()


def test_no_htmx_before_the_first_interaction(browser: Any, pages: Deployment) -> None:
    page = _open(browser, pages, "bare.html")
    page.wait_for_timeout(300)  # the promise swap and impressions have run: still no library
    assert _htmx_requests(page) == 0
    assert page.evaluate("window.htmx === undefined")
    page.locator(f'{PAGE} a.sk-variant-picker__choice[data-sk-variant="MH-OTT-TAN"]').focus()
    page.wait_for_function("() => window.htmx !== undefined", timeout=10_000)  # focus alone brings it
    assert _htmx_requests(page) == 1
    page.close()


def test_a_first_click_on_a_variant_is_not_lost_while_htmx_arrives(browser: Any, pages: Deployment) -> None:
    page = _open(browser, pages, "bootstrap.html", htmx_delay_s=0.6)
    page.evaluate("window.__sameDocument = true")
    page.click(f'{PAGE} a.sk-variant-picker__choice[data-sk-variant="MH-OTT-CHS"]')
    assert page.evaluate("window.htmx === undefined"), "the click was made before htmx arrived"
    page.wait_for_selector(f'{PAGE} a[data-sk-variant="MH-OTT-CHS"][aria-current="true"]', timeout=10_000)
    assert "£285.00" in page.inner_text(f"{PAGE} .sk-price")
    assert page.evaluate("window.__sameDocument") is True
    assert page.url == f"{pages.host}/bootstrap.html?variant=MH-OTT-CHS"  # the choice, shareable; no navigation
    assert _htmx_requests(page) == 1
    assert page.errors == []
    page.close()


def test_a_first_click_on_add_to_bag_adds_and_every_bag_hears_it(browser: Any, pages: Deployment) -> None:
    page = _open(browser, pages, "bare.html", htmx_delay_s=0.6)
    page.wait_for_selector(f"{MINI} .sk-mini-cart--empty")
    page.evaluate("window.__sameDocument = true")
    page.click(f"{PAGE} .sk-add-to-cart__button")  # the very first interaction: a submit button
    assert page.evaluate("window.htmx === undefined"), "the submit was made before htmx arrived"
    page.wait_for_selector(f"{PAGE} .sk-add-to-cart__result .sk-mini-cart--open", timeout=10_000)
    assert "Your bag (1 item)" in page.inner_text(f"{PAGE} .sk-add-to-cart__result")
    # The cart change crosses shadow roots: the bag in the other mount fetches itself again.
    page.wait_for_selector(f"{MINI} .sk-mini-cart--open", timeout=10_000)
    assert "Otto Mini Backpack" in page.inner_text(MINI)
    assert page.evaluate("window.__sameDocument") is True
    assert page.url == f"{pages.host}/bare.html"
    cart = page.evaluate("(key) => localStorage.getItem('stallkit-cart:' + key)", pages.publishable_key)
    assert cart and page.get_attribute(f"{MINI} .sk-mini-cart", "data-sk-cart") == cart
    assert page.errors == []
    page.close()


def test_an_id_target_resolves_inside_the_component(browser: Any, pages: Deployment) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    page.goto(f"{pages.host}/lookbook.html")
    spot = page.locator("#lb a.sk-lookbook__hotspot-link").first
    spot.wait_for(timeout=15_000)
    spot.click()  # the first interaction: htmx arrives, then the held click swaps the detail
    detail = page.locator(f"#lb #{LOOKBOOK_DETAIL}")
    page.wait_for_function(
        "(id) => document.querySelector('#lb').shadowRoot.getElementById(id).children.length > 0",
        arg=LOOKBOOK_DETAIL,
        timeout=10_000,
    )
    assert detail.inner_text().strip()
    assert page.evaluate(f"document.getElementById('{LOOKBOOK_DETAIL}').textContent") == "the host's own"
    assert page.url == f"{pages.host}/lookbook.html"
    page.close()
