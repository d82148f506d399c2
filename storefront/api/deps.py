"""Dependencies every domain controller shares: the caller and the app's read caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from storefront.api.auth import principal_from
from storefront.api.pagination import Page
from storefront.cache import VersionedCache
from storefront.catalog.schemas import ProductOut, ProductSummary
from storefront.errors import PermissionDenied
from storefront.fulfilment.quoting import QuoteInputs
from storefront.tenancy.schemas import Principal


@dataclass
class ReadCaches:
    """Per-app (never module-global) caches, validated by the brand's catalogue version."""

    products: VersionedCache[ProductOut] = field(default_factory=VersionedCache)
    product_lists: VersionedCache[Page[ProductSummary]] = field(default_factory=lambda: VersionedCache(1024))
    misc: VersionedCache[Any] = field(default_factory=lambda: VersionedCache(1024))
    quotes: VersionedCache[QuoteInputs] = field(default_factory=lambda: VersionedCache(4096))


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_from(request.scope)


async def provide_writer(request: Request[Any, Any, Any]) -> Principal:
    """The caller, who must hold a secret key (the auth middleware already refused others)."""
    principal = principal_from(request.scope)
    if not principal.can_write:
        raise PermissionDenied("a secret key is required")
    return principal


async def provide_caches(request: Request[Any, Any, Any]) -> ReadCaches:
    return request.app.state.read_caches  # type: ignore[no-any-return]


# Handlers annotate their parameters with these so Litestar injects by name, explicitly.
Reader = NamedDependency[Principal]
Writer = NamedDependency[Principal]
Caches = NamedDependency[ReadCaches]

DEPENDENCIES = {
    "principal": Provide(provide_principal),
    "writer": Provide(provide_writer),
    "caches": Provide(provide_caches),
}
