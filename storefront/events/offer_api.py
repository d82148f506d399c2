"""HTTP for what an event offers: its stall prices and drops (secret key), and what a brand's site reads.

``GET /v1/events/upcoming`` and ``GET /v1/drops/{handle}`` are the publishable key's (``SHOPPER``):
a brand's own site lists its coming events and says how many pieces of a drop are left. The rest
needs the secret key. Bodies are strict; money is given as elsewhere, ``{amount, currency}`` in
minor units of the brand's currency.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from storefront.clock import utcnow
from storefront.events import offer
from storefront.events.packs import THEMES_STATE_KEY, ThemeResolver
from storefront.events.schemas import DropIn, DropOut, EventPricesOut, PricesIn, UpcomingEventOut
from storefront.params import HandleParam, IdParam
from storefront.tenancy import SHOPPER, Reader, Writer

PackThemes = NamedDependency[ThemeResolver | None]


async def provide_pack_themes(request: Request[Any, Any, Any]) -> ThemeResolver | None:
    """The app's theme resolver for packs (see :mod:`storefront.events.packs`); None with no components mounted."""
    resolver: ThemeResolver | None = request.app.state.get(THEMES_STATE_KEY)
    return resolver


class OfferController(Controller):
    path = "/v1"
    tags = ["events"]

    @get("/events/{event_id:uuid}/prices", summary="The event's stall prices")
    async def list_prices(self, writer: Writer, event_id: IdParam) -> EventPricesOut:
        return await offer.list_prices(writer.brand_id, event_id)

    @put(
        "/events/{event_id:uuid}/prices",
        summary="Replace the event's stall prices",
        description="`lines` is the whole list: a SKU left out sells at its online price again (`[]` clears them "
        "all). Each price is in the brand's currency. A SKU the brand has not got is a 422 naming it. Each changed "
        "price gets a new `updated_at`, later than every earlier change of the event's prices; the pack carries "
        "the stall price, and the online one as `list_price` where they differ.",
    )
    async def put_prices(self, writer: Writer, event_id: IdParam, data: JSONBody[PricesIn]) -> EventPricesOut:
        return await offer.put_prices(writer.brand_id, event_id, data, utcnow())

    @post(
        "/events/{event_id:uuid}/drops",
        summary="Start a limited drop at the event",
        description="A capsule run of `quantity` pieces across `skus`, sold at the stall and online between "
        "`starts_at` and `ends_at`. `left` is `quantity` less the units of those SKUs sold since it started, as "
        "the stock ledger records sales (online at payment, at the stall when synced). A SKU is in one drop of an "
        "event at most.",
    )
    async def create_drop(self, writer: Writer, event_id: IdParam, data: JSONBody[DropIn]) -> DropOut:
        return await offer.create_drop(writer.brand_id, event_id, data, utcnow())

    @get("/events/{event_id:uuid}/drops", summary="The event's drops, with what each has left")
    async def list_drops(self, writer: Writer, event_id: IdParam) -> list[DropOut]:
        return await offer.list_drops(writer.brand_id, event_id, utcnow())

    @get(
        "/events/upcoming",
        summary="The brand's coming events, for its own site",
        description="Open events whose end is still ahead, soonest first (at most 20): venue, dates (with the "
        "event's timezone), the products the stall brings at their stall prices, and the drops with what is left. "
        "No quantities allocated and no devices. Readable with the publishable key.",
        opt=SHOPPER,
    )
    async def upcoming(self, principal: Reader) -> list[UpcomingEventOut]:
        return await offer.upcoming_events(principal.brand_id, utcnow())

    @get(
        "/drops/{handle:str}",
        summary="A drop and what is left of it",
        description='`status` is `upcoming`, `live` or `ended`; `text` says it in words ("12 of 50 left"). '
        "Readable with the publishable key.",
        opt=SHOPPER,
    )
    async def get_drop(self, principal: Reader, handle: HandleParam) -> DropOut:
        return await offer.get_drop(principal.brand_id, handle, utcnow())
