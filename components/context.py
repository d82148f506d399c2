"""What a component loader gets: the caller, the brand, the request's ids, and how to link back.

Fragments are embedded on other origins, so every URL they contain is absolute (``api_base``)
and carries the publishable key: the host page needs no configuration beyond the placeholder.

``params`` holds the optional query parameters some components read besides product and
variant (see :data:`PARAM_NAMES`): ``lookbook``; the shopper's fulfilment choice (``method``,
``postcode``, ``location``) for the fulfilment components; ``cart`` for the cart and checkout;
``order`` and ``token`` (the confirmation's link) for the order page.
The components that read them say so; the others ignore them.

**Pages rendered without script.** A brand's server may fetch fragments itself and inline them
(the demo site does), so a shopper with no JavaScript gets working links and forms. It passes
``return_to``, the page's own URL, on an allowed origin of the brand's (:func:`page_url`): the
fragment's forms then carry it to their action, which answers a plain post with 303 back to it
(:mod:`components.actions.plain`), and links a shopper follows (to the checkout, to the order)
point at that page with the state in its query (:meth:`Links.page_link`) instead of at a bare
fragment on this API's origin. The cart id then lives in the page's URL (``?cart=``), never in
a cookie: the brand's page stays cacheable per URL and no cookie crosses origins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from components.caches import ComponentCaches
from storefront.api.asgi import header, query_publishable_key
from storefront.api.deps import ReadCaches
from storefront.catalog import service as catalog
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.errors import FieldError, InvalidInput
from storefront.inventory import READER as STOCK_READER
from storefront.settings import Settings
from storefront.tenancy.schemas import BrandOut, Principal

PARAM_NAMES = ("lookbook", "method", "postcode", "location", "cart", "order", "token")
MAX_PAGE_URL = 2000  # a brand page's URL with its state: well under any browser's or server's limit


@dataclass(frozen=True)
class Links:
    """Builds the URLs a fragment needs; pure, so props builders can be tested without a server."""

    api_base: str
    key: str
    page: str = ""  # the brand's page to come back to after a plain post (see the module's docstring)
    cart: str = ""  # the cart that page is showing, for forms whose template has no cart field

    def component(self, name: str, **params: str | None) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        if self.page:
            query["return_to"] = self.page
        query["key"] = self.key
        return f"{self.api_base}/v1/components/{name}?{urlencode(query)}"

    def page_link(self, **state: str | None) -> str | None:
        """The brand's page with ``state`` in its query (None values removed), or None with no page."""
        return with_query(self.page, state) if self.page else None

    def asset(self, url: str) -> str:
        """Absolute URL for an asset path of ours (``/static/...``); other URLs pass through."""
        return f"{self.api_base}{url}" if url.startswith("/") else url

    def analytics(self) -> str:
        return f"{self.api_base}/v1/analytics/events?key={self.key}"

    def action(self, path: str) -> str:
        """A form action of the components (``add-to-cart``, ``checkout``...), key in the query for no-JS posts.

        With a page, the query also carries ``return_to`` and the page's ``cart``: a form of a
        component that knows no cart (the buy box on a product page) still adds to the bag the
        page shows.
        """
        query = {"key": self.key}
        if self.page:
            query["return_to"] = self.page
        if self.cart:
            query["cart"] = self.cart
        return f"{self.api_base}/v1/components/{path}?{urlencode(query)}"


def with_query(url: str, state: Mapping[str, str | None]) -> str:
    """``url`` with each of ``state`` set in its query (a None value removes the name), the rest kept in order."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in state]
    query += [(k, v) for k, v in state.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, as a browser's ``Origin`` header writes it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def link_key(scope: Any, principal: Principal) -> str:
    """The publishable key a fragment's links and forms carry: from ``?key=``, else from the bearer header.

    A brand's server fetching fragments with ``Authorization: Bearer pk_...`` gets forms that
    work in the shopper's browser. A secret key is never written into a fragment: with one, the
    links carry no key (a server calling with its secret key is not rendering for a browser).
    """
    key = query_publishable_key(scope)
    if key:
        return key
    scheme, _, token = (header(scope, b"authorization") or "").partition(" ")
    token = token.strip()
    if principal.kind == "publishable" and scheme.lower() == "bearer" and token.startswith("pk_"):
        return token
    return ""


def page_url(value: str | None, principal: Principal) -> str:
    """``value`` if it is a page on one of the brand's allowed origins, else "" (no page).

    Only a publishable key has allowed origins, and only those are trusted to come back to: a
    303 to anywhere else would make this API an open redirect. Control characters and
    over-long URLs are refused, so nothing odd reaches a ``Location`` header.
    """
    if not value or len(value) > MAX_PAGE_URL or not value.isprintable() or not value.isascii():
        return ""
    origin = origin_of(value)
    return value if origin is not None and origin in principal.allowed_origins else ""


@dataclass
class LoadContext:
    principal: Principal
    brand: BrandOut
    caches: ReadCaches  # the storefront's: products, product lists, quotes, brands, lookbooks
    shared: ComponentCaches  # the components' own: fragments and the shared loaders' results
    links: Links
    product_handle: str | None = None
    variant_sku: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    settings: Settings | None = None  # the app's; the checkout reads how payments are set up

    def param(self, name: str) -> str | None:
        """An optional query parameter (:data:`PARAM_NAMES`), None when absent or empty."""
        return self.params.get(name) or None

    async def product(self) -> ProductOut:
        if not self.product_handle:
            raise InvalidInput(
                "this component needs ?product=<handle>", errors=[FieldError("query.product", "required")]
            )
        return await catalog.get_product(
            self.principal.brand_id,
            self.product_handle,
            stock=STOCK_READER,
            version=self.principal.catalog_version,
            cache=self.caches.products,
        )

    async def product_and_variant(self) -> tuple[ProductOut, VariantOut]:
        product = await self.product()
        return product, select_variant(product, self.variant_sku)


def select_variant(product: ProductOut, sku: str | None) -> VariantOut:
    """The requested variant, or the first one in stock, or the first one."""
    if sku is None:
        return next((v for v in product.variants if v.stock.available > 0), product.variants[0])
    for variant in product.variants:
        if variant.sku == sku:
            return variant
    raise InvalidInput(
        f"product {product.handle!r} has no variant {sku!r}",
        errors=[FieldError("query.variant", "no such variant on this product")],
    )
