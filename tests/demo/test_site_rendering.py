"""The demo's brand site renders the components on its server, from the state in its URL.

Pure parts (the page for a state, with a stand-in fetch), and the site's server over real HTTP
asking a stand-in API. ``tests/e2e/test_nojs_browser.py`` drives it against the real app.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from storefront.demo.site import PageState, make_server, render_index

CART = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
FRAGMENT = '<div class="sk-root sk-theme-atelier" data-sk-component="{name}"><p>{name}</p></div>'


class Recorder:
    def __init__(self, failing: set[str] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.failing = failing or set()

    def __call__(self, component: str, query: Mapping[str, str]) -> str | None:
        self.calls.append((component, dict(query)))
        return None if component in self.failing else FRAGMENT.format(name=component)


def test_the_state_in_the_url_is_checked_value_by_value() -> None:
    state = PageState.from_query(f"cart={CART}&variant=MH-NOA-BLK&method=courier&postcode=E2+8AA&view=checkout")
    assert (state.cart, state.variant, state.method, state.postcode, state.view) == (
        CART,
        "MH-NOA-BLK",
        "courier",
        "E2 8AA",
        "checkout",
    )
    hostile = PageState.from_query('cart=nope&variant="><script>&method=teleport&view=admin&token=short')
    assert hostile == PageState()


def test_each_placeholder_is_rendered_as_a_declarative_shadow_root() -> None:
    fetch = Recorder(failing={"lookbook"})
    state = PageState.from_query(f"cart={CART}&variant=MH-NOA-BLK&method=pickup")
    html = render_index("http://api.test", "pk_demo", "http://site.test", state=state, fetch=fetch).decode()
    calls = dict(fetch.calls)
    assert calls["product-page"] == {
        "product": "noa-micro-bag",
        "variant": "MH-NOA-BLK",
        "method": "pickup",
        "cart": CART,
    }
    assert calls["mini-cart"] == {"cart": CART}  # the bag in the header, once there is one
    assert html.count('<template shadowrootmode="open">') == 4
    assert '<link rel="stylesheet" href="http://api.test/static/themes/atelier.css">' in html
    assert 'data-stallkit="product-page" data-product="noa-micro-bag" data-variant="MH-NOA-BLK"' in html
    assert html.count("data-stallkit-rendered") == 4
    # What could not be fetched is left for the embed script, as before.
    assert '<div data-stallkit="lookbook" data-lookbook="autumn-in-the-city" data-key="pk_demo"></div>' in html
    assert "pk_demo" in html and "sk_" not in html


def test_the_checkout_and_the_order_take_the_product_pages_place() -> None:
    fetch = Recorder()
    token = "t" * 32
    checkout = render_index(
        "http://a",
        "pk_x",
        "http://b",
        state=PageState(cart=CART, view="checkout", order=CART, token=token),
        fetch=fetch,
    ).decode()
    assert dict(fetch.calls)["checkout"] == {"cart": CART, "order": CART, "token": token}
    assert "product-page" not in checkout and "<title>Checkout | Maison Hollis</title>" in checkout
    fetch = Recorder()
    render_index("http://a", "pk_x", "http://b", state=PageState(view="order", order=CART, token=token), fetch=fetch)
    assert dict(fetch.calls)["order-status"] == {"order": CART, "token": token}
    fetch = Recorder()
    render_index("http://a", "pk_x", "http://b", state=PageState(view="checkout"), fetch=fetch)
    assert "checkout" not in dict(fetch.calls), "no checkout without a cart: the product page"


def test_the_site_fetches_fragments_with_the_publishable_key_as_a_bearer_and_its_own_url() -> None:
    """A stand-in API on a real port records what the site's server asks; the page it serves has the answer in it."""
    seen: list[tuple[str, str | None]] = []

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            name = urlsplit(self.path).path.rsplit("/", 1)[-1]
            body = FRAGMENT.format(name=name).encode() if name != "lookbook" else b"{}"
            self.send_response(200 if name != "lookbook" else 500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    site = make_server("127.0.0.1", 0, f"http://127.0.0.1:{api.server_port}", "pk_demo")
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        url = f"http://localhost:{site.server_port}/?cart={CART}&variant=%22%3E"
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
    finally:
        site.shutdown()
        site.server_close()
        api.shutdown()
        api.server_close()
    assert {auth for _, auth in seen} == {"Bearer pk_demo"}
    by_name = {urlsplit(path).path.rsplit("/", 1)[-1]: parse_qs(urlsplit(path).query) for path, _ in seen}
    assert by_name["mini-cart"]["return_to"] == [f"http://localhost:{site.server_port}/?cart={CART}&variant=%22%3E"]
    assert "variant" not in by_name["product-page"]  # not a SKU: dropped, not passed on
    assert page.count("data-stallkit-rendered") == 4  # the lookbook failed: left for the script
    assert '<div data-stallkit="lookbook" data-lookbook="autumn-in-the-city" data-key="pk_demo"></div>' in page
