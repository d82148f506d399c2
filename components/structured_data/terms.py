"""What an offer's structured data may say beyond the page's props: delivery times and the returns promise.

Both are read once per catalogue version (the product page is cached that long) and are pure
functions of their inputs:

- **Delivery times come from the promise engine** (:mod:`storefront.fulfilment.promise`), never
  from a number typed twice. A courier zone's rule is asked for a promise at every hour of a
  week from ``start``; the fewest and most calendar days between ordering and delivery, in the
  hub's timezone, are the range a crawler is told. The courier collects from the hub on the
  day it delivers, so those days are *handling* (waiting for the run) and *transit* is that same
  day: 0. A made-to-order piece's handling is the engine's ready-to-dispatched span from the
  workroom; how long it then travels is not the engine's to say, so no transit time is given.
  A week covers every weekday's cutoffs and delivery days, so the range is the same whichever
  week it is computed in.
- **The returns promise** is the brand's own setting (:mod:`storefront.tenancy.returns_policy`),
  applying in the country of the brand's locale; a brand whose locale names no country publishes
  none rather than guess where it applies.

Nothing here imports a component, so the shared loaders can build these without a circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from storefront.fulfilment import promise
from storefront.fulfilment.promise import CourierZoneRule, MicrofactoryRule, Quote
from storefront.money import Money
from storefront.tenancy.returns_policy import policy_country
from storefront.tenancy.schemas import BrandOut

SAMPLE_HOURS = 7 * 24  # one order an hour for a week: every cutoff on every weekday is crossed
# A probe address inside a zone: the engine answers for an address, and every address a zone serves
# gets the same promise, so the zone is asked about one it is told it serves.
PROBE_PREFIX = "ZZ1"
PROBE_POSTCODE = "ZZ1 1ZZ"


class DeliveryDays(msgspec.Struct, frozen=True, kw_only=True):
    """Whole days a way of delivery takes: handling (until it leaves) and, when known, transit (until it arrives)."""

    handling_min: int
    handling_max: int
    transit_min: int | None = None
    transit_max: int | None = None


class CourierTerms(msgspec.Struct, frozen=True, kw_only=True):
    """One courier zone as a shipping offer: where it goes, at what rate, in how many days."""

    zone: str  # the zone's handle
    rate: Money
    postcode_prefixes: list[str]  # empty: a zone drawn as a radius, which schema.org cannot say
    days: DeliveryDays | None  # None: the engine found no delivery in a week


class ReturnPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The brand's returns rule: ``days`` after delivery (None: no limit), and who pays the return."""

    country: str  # ISO 3166-1 alpha-2, where the policy applies
    days: int | None
    free: bool
    by_mail: bool = True
    in_store: bool = False


class OfferTerms(msgspec.Struct, frozen=True, kw_only=True):
    """What the product page's JSON-LD says about delivery and returns, beyond what its components show."""

    country: str | None  # where the brand sells: the courier zones' country
    courier: list[CourierTerms] = []
    made_to_order: DeliveryDays | None = None
    returns: ReturnPolicy | None = None


def _day_span(ordered: datetime, quote: Quote) -> tuple[int, int]:
    """Calendar days from ordering to the quote's earliest and latest instant, in the fulfilling place's zone."""
    tz = ZoneInfo(quote.timezone)
    day = ordered.astimezone(tz).date()
    return (quote.earliest.astimezone(tz).date() - day).days, (quote.latest.astimezone(tz).date() - day).days


def _samples(start: datetime) -> list[datetime]:
    first = start.replace(minute=0, second=0, microsecond=0)
    return [first + timedelta(hours=h) for h in range(SAMPLE_HOURS)]


def courier_days(zone: CourierZoneRule, start: datetime) -> DeliveryDays | None:
    """The zone's delivery range over a week of orders from ``start``, or None if it never delivers."""
    probe = msgspec.structs.replace(zone, postcode_prefixes=(PROBE_PREFIX,), radius_m=None)
    days: list[int] = []
    for ordered in _samples(start):
        quote = promise.quote_courier([probe], ordered, postcode=PROBE_POSTCODE)
        if isinstance(quote, Quote):
            days.append(_day_span(ordered, quote)[0])
    if not days:
        return None
    return DeliveryDays(handling_min=min(days), handling_max=max(days), transit_min=0, transit_max=0)


def made_to_order_days(factories: Sequence[MicrofactoryRule], start: datetime, currency: str) -> DeliveryDays | None:
    """Days from ordering until the piece is made and dispatched (the engine's window), over a week of orders."""
    spans = [
        _day_span(ordered, quote)
        for ordered in _samples(start)
        if isinstance(quote := promise.quote_made_to_order(factories, ordered, currency), Quote)
    ]
    if not spans:
        return None
    return DeliveryDays(handling_min=min(s[0] for s in spans), handling_max=max(s[1] for s in spans))


def return_policy(brand: BrandOut) -> ReturnPolicy | None:
    """The brand's returns setting, where its locale says it sells; None where it names no country."""
    country = policy_country(brand.locale)
    if country is None:
        return None
    return ReturnPolicy(country=country, days=brand.return_window_days, free=brand.free_returns)


def offer_terms(
    brand: BrandOut,
    zones: Sequence[CourierZoneRule],
    factories: Sequence[MicrofactoryRule],
    start: datetime,
    *,
    made_to_order: bool,
    currency: str,
) -> OfferTerms:
    """Everything above for one variant: its courier zones (rates in force at ``start``) and any workrooms."""
    return OfferTerms(
        country=policy_country(brand.locale),
        courier=[
            CourierTerms(
                zone=zone.zone,
                rate=zone.rate,
                postcode_prefixes=list(zone.postcode_prefixes),
                days=courier_days(zone, start),
            )
            for zone in zones
        ],
        made_to_order=made_to_order_days(factories, start, currency) if made_to_order and factories else None,
        returns=return_policy(brand),
    )
