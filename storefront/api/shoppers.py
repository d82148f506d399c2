"""Who is checking out: the shopper a publishable-key checkout counts against (storefront.checkout.limits).

The client is the one the rate limits count (the peer, or the nearest untrusted hop of
``X-Forwarded-For`` behind ``STALLKIT_TRUSTED_PROXIES``), so a forged header buys no fresh
allowance; it is kept only as a keyed hash. A secret key is the brand's own server, checking out
for many shoppers: not capped.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from storefront.api.ratelimit import limits_of
from storefront.checkout import ShopperLimit, shopper_ref
from storefront.settings import Settings
from storefront.tenancy import principal_from


def shopper_of(request: Request[Any, Any, Any], settings: Settings) -> ShopperLimit | None:
    if principal_from(request.scope).can_write:
        return None
    client = limits_of(request.scope).client(request.scope)
    return ShopperLimit(
        ref=shopper_ref(settings.secret.reveal() if settings.secret else "", client),
        unpaid_orders=settings.unpaid_checkouts_per_shopper,
    )


def shopper_provider(settings: Settings) -> Provide:
    async def provide_shopper(request: Request[Any, Any, Any]) -> ShopperLimit | None:
        return shopper_of(request, settings)

    return Provide(provide_shopper)
