"""What Litestar injects into handlers, by name: the caller, the app's read caches, settings, the payment port.

Each app builds its own (:func:`dependencies`), so nothing here is a module global: tests make
as many apps as they like, each with its own caches and its own payment gateway (the Stripe
adapter, or the in-memory fake). Controllers name what they take with the aliases their
domains define (``Reader``/``Writer`` in tenancy, ``Gateway`` in payments, the typed caches
below), so a controller never reaches into ``app.state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from litestar import Request
from litestar.di import Provide

from storefront.api.shoppers import shopper_provider
from storefront.cache import VersionedCache
from storefront.catalog import ProductOut, ProductReads, ProductSummary
from storefront.catalog import service as catalog
from storefront.errors import PermissionDenied
from storefront.fulfilment import QuoteInputs
from storefront.inventory import READER as STOCK_READER
from storefront.lookbooks import LookbookOut, LookbookSummary
from storefront.orders import order_ref
from storefront.pagination import Page
from storefront.payments import PaymentGateway
from storefront.settings import Settings
from storefront.tenancy import BrandOut, Principal, principal_from

T = TypeVar("T")


@dataclass
class ReadCaches:
    """Per-app (never module-global) caches, validated by the brand's catalogue version."""

    products: VersionedCache[ProductOut] = field(default_factory=VersionedCache)
    product_lists: VersionedCache[Page[ProductSummary]] = field(default_factory=lambda: VersionedCache(1024))
    brands: VersionedCache[BrandOut] = field(default_factory=lambda: VersionedCache(1024))
    lookbooks: VersionedCache[LookbookOut] = field(default_factory=lambda: VersionedCache(1024))
    lookbook_pages: VersionedCache[Page[LookbookSummary]] = field(default_factory=lambda: VersionedCache(1024))
    quotes: VersionedCache[QuoteInputs] = field(default_factory=lambda: VersionedCache(4096))


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_from(request.scope)


async def provide_writer(request: Request[Any, Any, Any]) -> Principal:
    """The caller, who must hold a secret key (the auth middleware already refused others)."""
    principal = principal_from(request.scope)
    if not principal.can_write:
        raise PermissionDenied("a secret key is required")
    return principal


def _constant(value: T) -> Provide:
    def provide() -> T:
        return value

    return Provide(provide, use_cache=True, sync_to_thread=False)


def dependencies(settings: Settings, gateway: PaymentGateway, caches: ReadCaches) -> dict[str, Provide]:
    """The app's injectables, by the parameter names handlers use."""
    return {
        "principal": Provide(provide_principal),
        "writer": Provide(provide_writer),
        "settings": _constant(settings),
        "gateway": _constant(gateway),
        "stock": _constant(STOCK_READER),
        "order_refs": _constant(order_ref),
        "product_reads": _constant(ProductReads(STOCK_READER, caches.products, caches.product_lists)),
        "brand_cache": _constant(caches.brands),
        "lookbook_cache": _constant(caches.lookbooks),
        "lookbook_page_cache": _constant(caches.lookbook_pages),
        "quote_cache": _constant(caches.quotes),
        "known_products": _constant(catalog.existing_handles),
        "shopper": shopper_provider(settings),
    }
