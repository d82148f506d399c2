"""``GET /``: where a newcomer who opens the API's address lands, instead of a bare 404.

It names the way on: the demo's sample brand site (where the components are seen working), the
OpenAPI document, the README's tour (its first steps, ready to paste) and whether this server
can take payments, and why not. HTML for a browser, the same as JSON with
``Accept: application/json``. Every link starts with the configured public URL, never the
request's ``Host`` (DESIGN section 14), so the page is safe to cache like any other.
"""

from __future__ import annotations

import html
from string import Template
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, get
from litestar.enums import MediaType

from storefront.params import AppSettings
from storefront.settings import Settings

# ``stallkit demo`` serves the sample brand site on this port unless STALLKIT_DEMO_SITE_PORT says
# otherwise (storefront.demo.site.DEFAULT_PORT: the api layer cannot import the demo's modules).
DEMO_SITE_PORT = 8001
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Link(msgspec.Struct, frozen=True, kw_only=True):
    href: str
    title: str


class Home(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    about: str
    links: dict[str, Link]  # brand_site (only when served on loopback), openapi, health
    tour: list[str]  # the README's first tour steps, with this server's address
    readme: str  # where the rest of the tour is
    payments: str  # off, test or stripe
    payments_detail: str


def home_of(settings: Settings) -> Home:
    """The page's content, from configuration alone: one answer for every caller."""
    base = settings.public_base_url
    links = {
        "openapi": Link(href=f"{base}/schema/openapi.json", title="The OpenAPI document: the whole contract"),
        "health": Link(href=f"{base}/healthz", title="Liveness and database check"),
    }
    payments, payments_detail = _payments(settings)
    host = urlsplit(base).hostname or ""
    if host in _LOOPBACK:
        links = {
            "brand_site": Link(
                href=f"http://{host}:{DEMO_SITE_PORT}/",
                title="The demo's sample brand site, embedding the components (when `stallkit demo` runs; "
                "STALLKIT_DEMO_SITE_PORT moves it)",
            ),
            **links,
        }
    return Home(
        name="Stallkit",
        about="Headless commerce for microbrands: a JSON API under /v1 and product-page components.",
        links=links,
        tour=[
            'PK=$(python3 -c \'import json; print(json.load(open("var/demo-keys.json"))["publishable_key"])\')',
            f"curl -s -H \"Authorization: Bearer $PK\" '{base}/v1/products?size_class=micro&limit=5'",
            f'curl -s -H "Authorization: Bearer $PK" {base}/v1/products/noa-micro-bag',
        ],
        readme="README.md, section 'A short tour': the rest of the tour, from a cart to a paid order",
        payments=payments,
        payments_detail=payments_detail,
    )


def _payments(settings: Settings) -> tuple[str, str]:
    """(mode, why), in the words a newcomer needs before trying checkout."""
    if not settings.payments_enabled:
        return (
            "off",
            "STALLKIT_STRIPE_SECRET_KEY is not set, so checkout answers 503 payments_unavailable."
            " `stallkit demo` runs a local Stripe test server instead whenever it can install localstripe"
            " (its console says whether it could).",
        )
    if settings.stripe_is_local:
        return "test", "A Stripe test server on this machine: checkout pays with the test card pm_card_visa."
    return "stripe", "Stripe, with the account STALLKIT_STRIPE_SECRET_KEY names."


_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Stallkit</title>
  <link rel="icon" href="data:,">
  <style>
    body { font: 1rem/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
    pre { background: #f4f1ec; padding: .75rem; overflow-x: auto; }
  </style>
</head>
<body>
  <h1>Stallkit</h1>
  <p>$about</p>
  <h2>Where to go</h2>
  <ul>
$links
  </ul>
  <h2>Try it</h2>
  <pre><code>$tour</code></pre>
  <p>$readme.</p>
  <h2>Payments: $payments</h2>
  <p>$payments_detail</p>
</body>
</html>
""")


def render_html(home: Home) -> str:
    items = "\n".join(
        f'    <li><a href="{html.escape(link.href)}">{html.escape(link.href)}</a>: {html.escape(link.title)}</li>'
        for link in home.links.values()
    )
    return _PAGE.substitute(
        about=html.escape(home.about),
        links=items,
        tour=html.escape("\n".join(home.tour)),
        readme=html.escape(home.readme),
        payments=html.escape(home.payments),
        payments_detail=html.escape(home.payments_detail),
    )


@get("/", summary="Where to start", tags=["ops"], include_in_schema=False, sync_to_thread=False)
def home(request: Request[Any, Any, Any], settings: AppSettings) -> Response[bytes]:
    """HTML unless the caller prefers JSON; ``Vary: Accept`` so caches keep the two apart."""
    page = home_of(settings)
    wants = request.accept.best_match([MediaType.HTML, MediaType.JSON], default=MediaType.HTML)
    if wants == MediaType.JSON:
        body, media_type = msgspec.json.encode(page), MediaType.JSON
    else:
        body, media_type = render_html(page).encode(), MediaType.HTML
    return Response(body, media_type=media_type, headers={"Vary": "Accept", "Cache-Control": "public, max-age=60"})


__all__ = ["Home", "home", "home_of"]
