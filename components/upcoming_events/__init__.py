"""``upcoming-events``: where the brand's stall will be next, and what it brings, on the brand's own site.

Lists the brand's open events whose end is still ahead (``GET /v1/events/upcoming`` reads the
same service, for a headless site): name, venue, the dates and times in the event's own timezone
(a market in Paris says Paris time wherever the shopper reads it), the pieces the stall brings at
their stall price (the online price beside it, struck, where it differs) and each limited drop
with what is left of it in words ("12 of 50 left"). Each piece links to its page on the brand's
site, so everything is reachable with the keyboard and works with no script; nothing here is a
control of its own.

The counts move with every sale and the statuses with the clock, so the fragment is rendered for
each request (``cacheable=False``), never kept per catalogue version.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_date, format_time

from components.component import Component
from components.context import Links, LoadContext
from storefront.clock import utcnow
from storefront.events import offer
from storefront.events.schemas import DropOut, StallProductOut, UpcomingEventOut
from storefront.money import Money
from storefront.tenancy.product_urls import product_url
from storefront.tenancy.schemas import BrandOut

NAME = "upcoming-events"
ID_PREFIX = "sk-upcoming-events"
EN_DASH = "\u2013"
STATUS_WORDS = {"upcoming": "Starts {when}", "live": "On now, until {when}", "ended": "Ended"}


class DropView(msgspec.Struct, frozen=True, kw_only=True):
    handle: str
    name: str
    status: str
    status_text: str  # "Starts Saturday 12 December at 10:00", "On now, until 17:00", "Ended"
    text: str  # "12 of 50 left"
    left: int
    quantity: int


class PieceView(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    sku: str
    title: str
    variant_title: str
    price: Money
    list_price: Money | None  # the online price, shown struck, when the stall's differs
    image: str | None  # absolute
    image_alt: str
    href: str  # the piece's page on the brand's site
    drop_text: str  # "Winter capsule: 12 of 50 left", or "" when in no drop


class EventView(msgspec.Struct, frozen=True, kw_only=True):
    id: str  # unique on the page: the heading the event's section is labelled by
    handle: str
    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    dates_text: str  # "Saturday, 12 December 2026, 09:00-17:00" (an en dash), in the event's timezone
    timezone_text: str  # "Times in Europe/London"
    drops: list[DropView]
    pieces: list[PieceView]


class UpcomingEventsProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the product of the page it sits on, if any
    id_prefix: str
    events: list[EventView]
    empty_text: str
    locale: str


def _day(when: datetime, tz: ZoneInfo, locale: str) -> str:
    return format_date(when.astimezone(tz).date(), format="full", locale=locale)


def _time(when: datetime, tz: ZoneInfo, locale: str) -> str:
    return format_time(when, "short", tzinfo=tz, locale=locale)


def dates_text(starts_at: datetime, ends_at: datetime, timezone: str, locale: str) -> str:
    """The event's span in ``timezone``, the times joined by an en dash.

    One day: ``Saturday, 12 December 2026, 09:00-17:00``; several: each end with its own day.
    """
    tz = ZoneInfo(timezone)
    first, last = _day(starts_at, tz, locale), _day(ends_at, tz, locale)
    if first == last:
        return f"{first}, {_time(starts_at, tz, locale)}{EN_DASH}{_time(ends_at, tz, locale)}"
    return f"{first}, {_time(starts_at, tz, locale)} {EN_DASH} {last}, {_time(ends_at, tz, locale)}"


def _drop(drop: DropOut, timezone: str, locale: str) -> DropView:
    tz = ZoneInfo(timezone)
    if drop.status == "upcoming":
        when = f"{_day(drop.starts_at, tz, locale)} at {_time(drop.starts_at, tz, locale)}"
    else:
        when = _time(drop.ends_at, tz, locale)
    return DropView(
        handle=drop.handle,
        name=drop.name,
        status=drop.status,
        status_text=STATUS_WORDS[drop.status].format(when=when),
        text=drop.text,
        left=drop.left,
        quantity=drop.quantity,
    )


def _piece(item: StallProductOut, drops: dict[str, DropOut], links: Links, brand: BrandOut) -> PieceView:
    drop = drops.get(item.drop) if item.drop else None
    return PieceView(
        product=item.product,
        sku=item.sku,
        title=item.title,
        variant_title=item.variant_title,
        price=item.price,
        list_price=item.list_price,
        image=links.asset(item.image) if item.image else None,
        image_alt=item.image_alt or f"{item.title}, {item.variant_title}",
        href=product_url(brand.product_url_template, item.product, item.sku),
        drop_text=f"{drop.name}: {drop.text}" if drop is not None else "",
    )


def build(
    events: list[UpcomingEventOut],
    links: Links,
    brand: BrandOut,
    *,
    product: str | None = None,
    id_prefix: str = ID_PREFIX,
) -> UpcomingEventsProps:
    """Pure: the same events, links and brand always give the same props."""
    views = []
    for n, event in enumerate(events, start=1):
        drops = {drop.handle: drop for drop in event.drops}
        views.append(
            EventView(
                id=f"{id_prefix}-event-{n}",
                handle=event.handle,
                name=event.name,
                venue=event.venue,
                timezone=event.timezone,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                dates_text=dates_text(event.starts_at, event.ends_at, event.timezone, brand.locale),
                timezone_text=f"Times in {event.timezone.replace('_', ' ')}",
                drops=[_drop(drop, event.timezone, brand.locale) for drop in event.drops],
                pieces=[_piece(item, drops, links, brand) for item in event.products],
            )
        )
    return UpcomingEventsProps(
        product=product,
        id_prefix=id_prefix,
        events=views,
        empty_text="No markets or pop-ups planned just now: come back soon.",
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> UpcomingEventsProps:
    events = await offer.upcoming_events(ctx.principal.brand_id, utcnow())
    return build(events, ctx.links, ctx.brand, product=ctx.product_handle)


COMPONENT = Component(
    name=NAME,
    title="Upcoming events",
    props_type=UpcomingEventsProps,
    load=load,
    needs_product=False,
    cacheable=False,
)
