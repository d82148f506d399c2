"""The analytics API: the beacon batch that comes in (strict) and the funnel summary that goes out, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from storefront.analytics.rules import MAX_BEACON_PURCHASES, EventType, Method, MethodBucket
from storefront.ids import END, Handle, Sku

MAX_BATCH = 50
# A summary page holds the groups of this many (component, product) keys: at most four groups each.
DEFAULT_PAGE_KEYS = 50
MAX_PAGE_KEYS = 200
COMPONENT_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*" + END
ComponentName = Annotated[str, msgspec.Meta(pattern=COMPONENT_PATTERN, max_length=40, description="e.g. product-page")]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset or Z")]


class EventIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One interaction on a component, as the browser saw it."""

    type: EventType
    component: ComponentName
    product: Annotated[Handle, msgspec.Meta(description="the product's handle")]
    variant: Annotated[Sku, msgspec.Meta(description="the variant's SKU")] | None = None
    method: Method | None = None
    occurred_at: Annotated[AwareDatetime, msgspec.Meta(description="the browser's clock; informational")]


class EventBatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    events: Annotated[list[EventIn], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    accepted: Annotated[int, msgspec.Meta(description="events stored, after dropping exact duplicates in the batch")]
    rejected: Annotated[
        int,
        msgspec.Meta(
            description="events dropped as implausible: for a handle that is none of the brand's products, or "
            f"purchases beyond one per (component, product, variant) and {MAX_BEACON_PURCHASES} per batch"
        ),
    ] = 0


class FunnelCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Events per type, in funnel order."""

    impression: int
    variant_select: int
    fulfilment_select: int
    add_to_cart: int
    checkout_start: int
    purchase: int


class ConversionRates(msgspec.Struct, frozen=True, kw_only=True):
    """Conversion from impression in basis points (1250 = 12.50 %), rounded half up; null without impressions."""

    add_to_cart_bp: Annotated[int | None, msgspec.Meta(description="add_to_cart / impression, in basis points")]
    purchase_bp: Annotated[int | None, msgspec.Meta(description="purchase / impression, in basis points")]


class FunnelGroup(msgspec.Struct, frozen=True, kw_only=True):
    component: str
    product: str
    method: Annotated[Method | None, msgspec.Meta(description="null for events sent before a method was chosen")]
    counts: FunnelCounts
    rates: ConversionRates


class MethodTotals(msgspec.Struct, frozen=True, kw_only=True):
    method: MethodBucket
    counts: FunnelCounts
    rates: ConversionRates


class AnalyticsSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the funnel for events received in ``[since, until)``, and the window's totals per method."""

    since: datetime
    until: datetime
    groups: Annotated[
        list[FunnelGroup],
        msgspec.Meta(
            description="this page's groups: per (component, product, method), sorted, for up to `limit` "
            "(component, product) keys"
        ),
    ]
    by_method: Annotated[
        list[MethodTotals],
        msgspec.Meta(
            description="the brand's totals for the whole window, whatever the page or filters: always pickup, "
            "courier, made_to_order, none, in that order"
        ),
    ]
    has_more: Annotated[bool, msgspec.Meta(description="whether keys follow this page")]
    next_cursor: Annotated[
        str | None, msgspec.Meta(description="pass as `cursor` for the next page; null on the last page")
    ] = None
