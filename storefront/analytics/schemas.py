"""The analytics API: the beacon batch that comes in (strict) and the funnel summary that goes out, a page at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from storefront.analytics.rules import MAX_BEACON_PURCHASES, EventType, Method, MethodBucket
from storefront.ids import END, Handle, Sku

MAX_BATCH = 50
# A summary page holds the groups of this many (component, product) keys: at most four groups each.
# A page's cost follows its keys (each sums up to 30 days of rows per method and type), so the
# default is a page a merchant reads at a glance, the size of a small brand's whole catalogue.
DEFAULT_PAGE_KEYS = 25
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
    method: Annotated[
        Method | None,
        msgspec.Meta(
            description="the fulfilment method: for impression and variant_select the one in view (the buy box's "
            "selection when shown), for fulfilment_select the one chosen, for add_to_cart, checkout_start and "
            "purchase the cart line's; null where the component has no buy box"
        ),
    ] = None
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


class EngagementCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Engagement events per type: counted beside the funnel, never a step of it."""

    hotspot_select: Annotated[int, msgspec.Meta(description="a lookbook hotspot opened for this product")]
    suggestion_select: Annotated[int, msgspec.Meta(description="a pairs-well-with suggestion of this product followed")]
    repair_guide_open: Annotated[int, msgspec.Meta(description="the repair guide opened from this product")]


class ConversionRates(msgspec.Struct, frozen=True, kw_only=True):
    """Conversion in basis points (1250 = 12.50 %), rounded half up; each null when its denominator is zero.

    Not capped at 100 %: events are independent beacons, so a step may be counted in a window whose
    previous step fell outside it.
    """

    add_to_cart_bp: Annotated[int | None, msgspec.Meta(description="add_to_cart / impression, in basis points")]
    purchase_bp: Annotated[int | None, msgspec.Meta(description="purchase / impression, in basis points")]
    view_to_cart_bp: Annotated[
        int | None,
        msgspec.Meta(
            description="add_to_cart / views (impressions with this method in view + fulfilment_select of it): "
            "how often the method, once in front of a shopper, went into the bag"
        ),
    ]
    cart_to_checkout_bp: Annotated[
        int | None, msgspec.Meta(description="checkout_start / add_to_cart: bags with this method taken to checkout")
    ]
    checkout_to_purchase_bp: Annotated[
        int | None, msgspec.Meta(description="purchase / checkout_start: checkouts with this method paid for")
    ]


VIEWS = msgspec.Meta(description="impression + fulfilment_select: how often this method was in front of a shopper")


class FunnelGroup(msgspec.Struct, frozen=True, kw_only=True):
    component: str
    product: str
    method: Annotated[
        Method | None,
        msgspec.Meta(
            description="null for events of components without a buy box, and for impressions recorded "
            "before impressions carried the method in view"
        ),
    ]
    counts: FunnelCounts
    rates: ConversionRates
    views: Annotated[int, VIEWS]
    engagement: EngagementCounts


class MethodTotals(msgspec.Struct, frozen=True, kw_only=True):
    method: MethodBucket
    counts: FunnelCounts
    rates: ConversionRates
    views: Annotated[int, VIEWS]
    engagement: EngagementCounts


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
            "courier, made_to_order, none, in that order. Compare methods by `rates.view_to_cart_bp` (adds per "
            "view), `rates.cart_to_checkout_bp` and `rates.checkout_to_purchase_bp`; `none` holds events of "
            "components without a buy box and impressions recorded before they carried the method in view"
        ),
    ]
    has_more: Annotated[bool, msgspec.Meta(description="whether keys follow this page")]
    next_cursor: Annotated[
        str | None, msgspec.Meta(description="pass as `cursor` for the next page; null on the last page")
    ] = None
