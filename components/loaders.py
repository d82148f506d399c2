"""Loaders that several components share: each reads one thing through the services for a :class:`LoadContext`.

They live here, not inside one of the components that need them, so a component needing the
data imports no other component for it. A page's components share one read: what the service
does not already cache is kept per catalogue version, which the relevant writes bump.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from components.caches import FulfilmentConfig as FulfilmentConfig  # re-exported: components import it from here
from components.context import LoadContext
from components.structured_data.terms import OfferTerms, offer_terms
from storefront.cache import cached
from storefront.cart import service as carts
from storefront.cart.schemas import CartOut
from storefront.catalog import service as catalog
from storefront.catalog.schemas import ProductOut, ProductSummary, VariantOut
from storefront.clock import utcnow
from storefront.errors import NotFound
from storefront.fulfilment import quoting
from storefront.fulfilment import service as fulfilment
from storefront.fulfilment.schemas import PersonalisationOptionOut
from storefront.inventory import READER as STOCK_READER
from storefront.inventory import service as inventory
from storefront.orders import order_ref
from storefront.pagination import Page

T = TypeVar("T")
PAGE_SIZE = 100
MAX_PAGES = 10  # 1,000 shops, zones or products is far beyond a microbrand; stop paging there
MAX_OPTIONS = 50


async def _all(fetch: Callable[[str | None], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged list, up to :data:`MAX_PAGES` pages: the services answer a page at a time."""
    items: list[T] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await fetch(cursor)
        items.extend(page.data)
        if not page.has_more:
            break
        cursor = page.next_cursor
    return items


async def location_names(ctx: LoadContext) -> dict[str, str]:
    """Shared: stock, promises, carts and checkout all name shops; cached (location writes bump the version)."""
    brand_id = ctx.principal.brand_id

    async def load_names() -> dict[str, str]:
        shops = await _all(
            lambda cursor: inventory.list_locations(brand_id, kind="shop", cursor=cursor, limit=PAGE_SIZE)
        )
        return {loc.handle: loc.name for loc in shops}

    key = ("sk-component-location-names", brand_id)
    return await cached(ctx.shared.location_names, key, ctx.principal.catalog_version, load_names)


async def read_cart(ctx: LoadContext, cart_id: str | None) -> CartOut | None:
    """Shared by the mini-cart, checkout and its actions: the cart, or None (no id, a stale one, another brand's)."""
    if not cart_id:
        return None
    try:
        return await carts.get_cart(ctx.principal.brand_id, uuid.UUID(cart_id), orders=order_ref)
    except (ValueError, NotFound):
        return None


async def fulfilment_config(ctx: LoadContext) -> FulfilmentConfig:
    """Shared: fulfilment options, promises, add-to-cart and the product page all offer what this allows; cached."""
    brand_id = ctx.principal.brand_id

    def paged(lister: Callable[..., Awaitable[Page[Any]]]) -> Callable[[str | None], Awaitable[Page[Any]]]:
        return lambda cursor: lister(brand_id, cursor=cursor, limit=PAGE_SIZE)

    async def load_config() -> FulfilmentConfig:
        points = await _all(paged(fulfilment.list_pickup_points))
        zones = await _all(paged(fulfilment.list_courier_zones))
        factories = await _all(paged(fulfilment.list_microfactories))
        return FulfilmentConfig(
            pickup_points={p.location: p.name for p in points if p.enabled},
            courier_rates=[z.rate.price for z in zones if z.rate is not None],
            microfactories=[f.name for f in factories],
        )

    key = ("sk-component-fulfilment-config", brand_id)
    return await cached(ctx.shared.fulfilment_configs, key, ctx.principal.catalog_version, load_config)


async def personalisation_options(ctx: LoadContext) -> list[PersonalisationOptionOut]:
    """Shared by personalise, add-to-cart, the product page and the add action; cached (option writes bump it)."""
    brand_id = ctx.principal.brand_id

    async def load_options() -> list[PersonalisationOptionOut]:
        page = await fulfilment.list_personalisation_options(brand_id, cursor=None, limit=MAX_OPTIONS)
        return list(page.data)

    key = ("sk-component-personalisation-options", brand_id)
    return await cached(ctx.shared.personalisation, key, ctx.principal.catalog_version, load_options)


async def pair_candidates(ctx: LoadContext, product: ProductOut) -> list[ProductSummary]:
    """Shared by pairs-well-with and the product page: a bounded pool near the product's price, never the catalogue."""
    return await catalog.pair_candidates(ctx.principal.brand_id, product, stock=STOCK_READER)


async def structured_data_terms(ctx: LoadContext, product: ProductOut, variant: VariantOut) -> OfferTerms:
    """The product page's JSON-LD terms for ``variant``: its courier zones and workrooms as the promise engine
    sees them now, and the brand's returns setting (the page is cached per catalogue version, which their writes bump).
    """
    brand_id = ctx.principal.brand_id
    now = utcnow()
    zones = quoting.courier_rules_at(await quoting.courier_zones(brand_id, variant.id), now)
    factories = await quoting.microfactory_rules(brand_id, now) if product.made_to_order else []
    return offer_terms(
        ctx.brand, zones, factories, now, made_to_order=product.made_to_order, currency=variant.price.currency
    )
