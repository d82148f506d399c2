"""Pure analytics rules: the funnel's order and the aggregation of event counts into a summary.

The database groups and counts; :func:`summarise` turns those counted rows into per-group
funnels, per-fulfilment-method totals and conversion rates. Rates are integers in basis points
(1 bp = 0.01 %, so ``1250`` is 12.50 %), rounded half up, and ``None`` when there were no
impressions to divide by. They are not capped at 100 %: events are independent beacons, so a
purchase may be counted in a window whose impression fell outside it (or was never sent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

FunnelEvent = Literal["impression", "variant_select", "fulfilment_select", "add_to_cart", "checkout_start", "purchase"]
# Engagement inside a component (a lookbook hotspot, a suggestion, the repair guide): stored
# and countable, but not steps of the purchase funnel.
EngagementEvent = Literal["hotspot_select", "suggestion_select", "repair_guide_open"]
EventType = FunnelEvent | EngagementEvent
FUNNEL: tuple[FunnelEvent, ...] = (
    "impression",
    "variant_select",
    "fulfilment_select",
    "add_to_cart",
    "checkout_start",
    "purchase",
)
Method = Literal["pickup", "courier", "made_to_order"]
METHODS: tuple[Method, ...] = ("pickup", "courier", "made_to_order")
# Events sent before a fulfilment method was chosen (or for components without one) total under "none".
MethodBucket = Literal["pickup", "courier", "made_to_order", "none"]
METHOD_BUCKETS: tuple[MethodBucket, ...] = (*METHODS, "none")

BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class CountRow:
    """How many events of ``type`` one (component, product, method) sent in the window."""

    component: str
    product: str
    method: str | None
    type: str
    count: int


@dataclass(frozen=True, slots=True)
class Counts:
    """Events per type, in funnel order."""

    impression: int = 0
    variant_select: int = 0
    fulfilment_select: int = 0
    add_to_cart: int = 0
    checkout_start: int = 0
    purchase: int = 0


@dataclass(frozen=True, slots=True)
class Rates:
    """Conversion from impression, in basis points; ``None`` without impressions."""

    add_to_cart_bp: int | None
    purchase_bp: int | None


@dataclass(frozen=True, slots=True)
class Group:
    component: str
    product: str
    method: Method | None
    counts: Counts
    rates: Rates


@dataclass(frozen=True, slots=True)
class MethodTotal:
    method: MethodBucket
    counts: Counts
    rates: Rates


@dataclass(frozen=True, slots=True)
class Funnel:
    groups: list[Group]
    by_method: list[MethodTotal]


def rate_bp(numerator: int, denominator: int) -> int | None:
    """``numerator / denominator`` in basis points, rounded half up; ``None`` if the denominator is 0."""
    if denominator <= 0:
        return None
    return (numerator * BASIS_POINTS * 2 + denominator) // (denominator * 2)


def rates_of(counts: Counts) -> Rates:
    return Rates(
        add_to_cart_bp=rate_bp(counts.add_to_cart, counts.impression),
        purchase_bp=rate_bp(counts.purchase, counts.impression),
    )


def _counts(by_type: dict[str, int]) -> Counts:
    return Counts(**{t: by_type.get(t, 0) for t in FUNNEL})


def _method_order(method: str | None) -> int:
    return METHODS.index(method) if method in METHODS else len(METHODS)


def summarise(rows: Iterable[CountRow]) -> Funnel:
    """Per (component, product, method) funnels, sorted, and totals for every method bucket.

    Rows of unknown event types or methods (none should exist: input is validated) are ignored
    rather than failing a report. Several rows for one key and type add up, so callers may pass
    uncollapsed rows. Every method bucket is present in ``by_method``, zero or not, in the order
    pickup, courier, made_to_order, none, so reports have one shape.
    """
    groups: dict[tuple[str, str, str | None], dict[str, int]] = {}
    buckets: dict[str, dict[str, int]] = {b: {} for b in METHOD_BUCKETS}
    for row in rows:
        if row.type not in FUNNEL or (row.method is not None and row.method not in METHODS):
            continue
        group = groups.setdefault((row.component, row.product, row.method), {})
        group[row.type] = group.get(row.type, 0) + row.count
        bucket = buckets[row.method or "none"]
        bucket[row.type] = bucket.get(row.type, 0) + row.count
    out_groups = []
    for (component, product, method), by_type in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1], _method_order(item[0][2]))
    ):
        counts = _counts(by_type)
        out_groups.append(
            Group(
                component=component,
                product=product,
                method=cast("Method | None", method),  # rows with another method were skipped above
                counts=counts,
                rates=rates_of(counts),
            )
        )
    by_method = []
    for bucket_name in METHOD_BUCKETS:
        counts = _counts(buckets[bucket_name])
        by_method.append(MethodTotal(method=bucket_name, counts=counts, rates=rates_of(counts)))
    return Funnel(groups=out_groups, by_method=by_method)
