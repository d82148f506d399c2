"""The demo's sample brand website: Maison Hollis's own site, on its own origin, embedding components.

``stallkit demo`` starts it on ``127.0.0.1:8001`` (``STALLKIT_DEMO_SITE_PORT``) in a daemon
thread beside the API: a plain ``ThreadingHTTPServer`` serving one page and its stylesheet.

**Rendered on the server, enhanced by the script.** The page is ``site/index.html``. For each
placeholder this server fetches the component's fragment from the API itself, with the brand's
*publishable* key as a bearer header (the secret key never comes near a page), and inlines it
as a declarative shadow root (``<template shadowrootmode="open">``): the browser attaches it
while parsing, so the components show, styled by their theme and kept apart from this site's
own CSS, with no script at all. ``embed.js`` then finds them painted (``data-stallkit-rendered``)
and only enhances them with htmx; a fragment that could not be fetched leaves its placeholder
as before, for the script to paint.

**State lives in the page's URL.** Each fragment is fetched with ``return_to`` (this page's
URL), so its forms, posted without script, come back here with 303 and what to show next in the
query: ``variant`` (also the variant picker's no-script links), ``method``, ``location`` and
``postcode`` for the buy box, ``cart`` for the bag, ``view=checkout`` for the checkout in place
of the product, ``view=order`` with ``order`` and ``token`` for the order page. The cart id is
kept in the URL rather than in a cookie: this site sets none, so nothing here needs consent or
crosses origins, and a link to the bag is the bag. Values that do not look right are dropped,
never passed on.

**The bag in the header** is the mini-cart with ``data-display="header"``: the component's own
CSS reads that attribute on its shadow host and shows a "Bag (n)" button opening a drawer (a
popover, so it opens with no script too). On a URL that names no cart the server's empty bag is
a stand-in: it is rendered without ``data-stallkit-rendered``, so the script paints it again with
the cart this browser remembers.
"""

from __future__ import annotations

import html
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import parse_qs, urlencode, urlsplit

SITE_DIR = Path(__file__).parent / "site"
DEFAULT_PORT = 8001
PRODUCT = "noa-micro-bag"
FETCH_TIMEOUT_S = 5.0
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_THEME = re.compile(r"\bsk-theme-([a-z0-9-]{1,64})\b")
# The brand's product URL template's default (``/products/{handle}``): lookbook and suggestion links land here.
_PRODUCT_PATH = re.compile(r"^/products/([a-z0-9]+(?:-[a-z0-9]+)*)$")
# What each query value must look like to be passed on (the API checks them again).
_STATE_RULES: dict[str, re.Pattern[str]] = {
    "variant": _SKU,
    "method": re.compile(r"^(pickup|courier|made_to_order)$"),
    "location": re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    "postcode": re.compile(r"^[A-Za-z0-9 ]{1,10}$"),
    "cart": _UUID,
    "view": re.compile(r"^(checkout|order)$"),
    "order": _UUID,
    "token": re.compile(r"^[A-Za-z0-9_-]{16,64}$"),
}
# Inherited text settings stop at the shadow root, as embed.js does for the roots it paints.
_HOST_CSS = ":host{display:block;font:initial;letter-spacing:normal;text-transform:none;white-space:normal}"

Fetch = Callable[[str, Mapping[str, str]], str | None]  # (component, query) -> fragment HTML, or None


_LOOPBACK = {"127.0.0.1", "localhost", "0.0.0.0", "::", ""}  # noqa: S104 (listen addresses, compared)


def browser_host(host: str) -> str:
    """Where a browser on this machine reaches a server listening on ``host`` (any address: loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def site_origins(host: str, port: int) -> list[str]:
    """The origins a browser shows for the site served on ``host:port``: what the brand must allow.

    On loopback a newcomer may type either name, and each is an origin of its own. An IPv6
    address has none a brand can list (origins are ``http(s)://name-or-IPv4[:port]``).
    """
    if host in _LOOPBACK:
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    return [] if ":" in host else [f"http://{host}:{port}"]


@dataclass(frozen=True)
class PageState:
    """What the page's query asks to show; each value checked by :data:`_STATE_RULES`, else None."""

    variant: str | None = None
    method: str | None = None
    location: str | None = None
    postcode: str | None = None
    cart: str | None = None
    view: str | None = None
    order: str | None = None
    token: str | None = None
    product: str | None = None  # from the path (/products/<handle>), not the query

    @classmethod
    def from_query(cls, query: str) -> PageState:
        given = parse_qs(query, max_num_fields=32)
        values: dict[str, str | None] = {}
        for name, rule in _STATE_RULES.items():
            value = given.get(name, [""])[-1]
            values[name] = value if rule.match(value) else None
        return cls(**values)

    def query(self, *names: str) -> dict[str, str]:
        return {f.name: v for f in fields(self) if f.name in names and (v := getattr(self, f.name))}


@dataclass(frozen=True)
class Placeholder:
    component: str
    attrs: dict[str, str]  # data-* attributes, in order (the embed script reads them too)
    query: dict[str, str]  # what the fragment is fetched with besides them
    fallback: str = ""  # shown until the script paints it, if the server could not
    marks: dict[str, str] = field(default_factory=dict)  # data-* attributes for styling only, never fetched with
    # The server's paint stands in until the script paints it again: the header's bag, when the URL names
    # no cart, shows an empty bag without a script and the bag this browser remembers with one.
    repaint: bool = False


def placeholders(state: PageState) -> dict[str, list[Placeholder]]:
    """The page's slots and what fills them, for ``state``: the product, or the checkout, or the order."""
    if state.view == "checkout" and state.cart:
        main = [Placeholder("checkout", {}, state.query("cart", "order", "token"))]
    elif state.view == "order" and state.order and state.token:
        main = [Placeholder("order-status", {}, state.query("order", "token"))]
    else:
        attrs = {"product": state.product or PRODUCT, **({"variant": state.variant} if state.variant else {})}
        main = [
            Placeholder(
                "product-page",
                attrs,
                state.query("method", "location", "postcode", "cart"),
                "<p>The Noa Micro Bag, in tan, black or sage calfskin: &pound;95.</p>",
            )
        ]
    wren = {"product": "wren-mini-backpack", "variant": "MH-WRN-BLK"}
    # The header's bag: a "Bag (n)" button opening a drawer (data-display="header", read by the component's CSS).
    bag = Placeholder(
        "mini-cart",
        {},
        state.query("cart"),
        '<span class="bag-fallback">Bag</span>',
        {"display": "header"},
        not state.cart,
    )
    return {
        "main": main,
        "bag": [bag] if state.view is None else [],
        "aside": [Placeholder("price", wren, {}), Placeholder("stock", wren, {})],
        "lookbook": [Placeholder("lookbook", {"lookbook": "autumn-in-the-city"}, {})],
    }


def inline(api_origin: str, fragment: str) -> str:
    """A fragment as a declarative shadow root: painted by the parser, styled by its theme, no script."""
    theme = _THEME.search(fragment)
    sheet = (
        f'<link rel="stylesheet" href="{html.escape(api_origin)}/static/themes/{theme.group(1)}.css">' if theme else ""
    )
    return f'<template shadowrootmode="open"><style>{_HOST_CSS}</style>{sheet}{fragment}</template>'


def _placeholder_html(spec: Placeholder, key: str, api_origin: str, fragment: str | None) -> str:
    attrs = "".join(f' data-{name}="{html.escape(value)}"' for name, value in {**spec.attrs, **spec.marks}.items())
    if fragment is None:
        return f'<div data-stallkit="{spec.component}"{attrs} data-key="{html.escape(key)}">{spec.fallback}</div>'
    rendered = "" if spec.repaint else " data-stallkit-rendered"
    return (
        f'<div data-stallkit="{spec.component}"{attrs} data-key="{html.escape(key)}"{rendered}>'
        f"{inline(api_origin, fragment)}</div>"
    )


def render_index(
    api_origin: str,
    publishable_key: str,
    site_origin: str,
    variant: str | None = None,
    *,
    state: PageState | None = None,
    fetch: Fetch | None = None,
) -> bytes:
    """The page for ``state`` (or just ``variant``); with ``fetch``, each component rendered into it."""
    state = state or PageState(variant=variant if variant and _SKU.match(variant) else None)
    slots = placeholders(state)
    specs = [spec for group in slots.values() for spec in group]
    if fetch is None:
        fragments: list[str | None] = [None] * len(specs)
    else:
        with ThreadPoolExecutor(max_workers=len(specs)) as pool:
            fragments = list(pool.map(lambda s: fetch(s.component, {**s.attrs, **s.query}), specs))
    rendered = iter(fragments)
    filled = {
        slot: "\n".join(_placeholder_html(spec, publishable_key, api_origin, next(rendered)) for spec in group)
        for slot, group in slots.items()
    }
    product = (state.product or PRODUCT).replace("-", " ").title()  # the handle's words: no catalogue read here
    title, crumb = {"checkout": ("Checkout", "Checkout"), "order": ("Your order", "Your order")}.get(
        state.view or "", (product, product)
    )
    page = Template((SITE_DIR / "index.html").read_text()).substitute(
        api_origin=html.escape(api_origin),
        site_origin=html.escape(site_origin),
        title=title,
        crumb=crumb,
        **filled,
    )
    return page.encode()


def fragment_fetcher(api_origin: str, publishable_key: str, page: str) -> Fetch:
    """Fetches fragments for ``page`` from the API, as the brand's server: the key as a bearer header.

    None for any failure (the API down, a 4xx): the placeholder then waits for the script.
    """

    def fetch(component: str, query: Mapping[str, str]) -> str | None:
        url = f"{api_origin}/v1/components/{component}?{urlencode({**query, 'return_to': page})}"
        request = urllib.request.Request(  # noqa: S310 - the API's own origin, from the demo's settings
            url, headers={"Authorization": f"Bearer {publishable_key}", "Accept": "text/html"}
        )
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310
                body: bytes = response.read()
        except (OSError, ValueError):
            return None
        return body.decode("utf-8", errors="replace")

    return fetch


def make_server(host: str, port: int, api_origin: str, publishable_key: str) -> ThreadingHTTPServer:
    """Bind (raising ``OSError`` if the port is taken) but don't serve yet."""
    bound: dict[str, list[str]] = {}  # the origins this page is shown on, once the port is known

    class Handler(BaseHTTPRequestHandler):
        server_version = "MaisonHollis/1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            product_path = _PRODUCT_PATH.match(url.path)
            if url.path in ("/", "/index.html") or product_path:
                # The page's own URL as this browser shows it (either loopback name), for return_to.
                origins = bound["origins"]
                shown = f"http://{self.headers.get('Host', '')}"
                origin = shown if shown in origins else origins[0]
                page_url = f"{origin}{url.path}" + (f"?{url.query}" if url.query else "")
                state = PageState.from_query(url.query)
                if product_path:
                    state = replace(state, product=product_path.group(1))
                fetch = fragment_fetcher(api_origin, publishable_key, page_url)
                page = render_index(api_origin, publishable_key, origin, state=state, fetch=fetch)
                self._send(page, "text/html; charset=utf-8")
            elif url.path == "/site.css":
                self._send((SITE_DIR / "site.css").read_bytes(), "text/css; charset=utf-8")
            else:
                self._send(b"Not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)

        def _send(self, body: bytes, media_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: uvicorn's log is enough
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    bound["origins"] = site_origins(host, server.server_port) or [f"http://{browser_host(host)}:{server.server_port}"]
    return server


def start_site(host: str, port: int, api_origin: str, publishable_key: str) -> ThreadingHTTPServer:
    """Serve the site from a daemon thread; it ends with the process (or ``server.shutdown()``)."""
    server = make_server(host, port, api_origin, publishable_key)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server
