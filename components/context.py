"""What a component loader gets: the caller, the brand, the request's ids, and how to link back.

Fragments are embedded on other origins, so every URL they contain is absolute (``api_base``)
and carries the publishable key: the host page needs no configuration beyond the placeholder.

``params`` holds the optional query parameters some components read besides product and
variant (see :data:`PARAM_NAMES`): ``lookbook``; the shopper's fulfilment choice (``method``,
``postcode``, ``location``) for the fulfilment components; ``cart`` for the cart and checkout;
``order`` and ``token`` (the confirmation's link) for the order page.
The components that read them say so; the others ignore them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from components.caches import ComponentCaches
from storefront.api.deps import ReadCaches
from storefront.catalog import service as catalog
from storefront.catalog.schemas import ProductOut, VariantOut
from storefront.errors import FieldError, InvalidInput
from storefront.inventory import READER as STOCK_READER
from storefront.settings import Settings
from storefront.tenancy.schemas import BrandOut, Principal

PARAM_NAMES = ("lookbook", "method", "postcode", "location", "cart", "order", "token")


@dataclass(frozen=True)
class Links:
    """Builds the URLs a fragment needs; pure, so props builders can be tested without a server."""

    api_base: str
    key: str

    def component(self, name: str, **params: str | None) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        query["key"] = self.key
        return f"{self.api_base}/v1/components/{name}?{urlencode(query)}"

    def asset(self, url: str) -> str:
        """Absolute URL for an asset path of ours (``/static/...``); other URLs pass through."""
        return f"{self.api_base}{url}" if url.startswith("/") else url

    def analytics(self) -> str:
        return f"{self.api_base}/v1/analytics/events?key={self.key}"

    def action(self, path: str) -> str:
        """A form action of the components (``add-to-cart``, ``checkout``...), key in the query for no-JS posts."""
        return f"{self.api_base}/v1/components/{path}?{urlencode({'key': self.key})}"


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
