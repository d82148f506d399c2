"""Pure analytics rules: the funnel's order, the sanity checks on beacons, and the aggregation of counts.

The database groups and counts; :func:`funnel_groups` turns those counted rows into
per-(component, product, method) funnels and :func:`method_totals` into per-fulfilment-method
totals, each with conversion rates (:func:`summarise` does both over one set of rows: the
unpaged truth the paged report must add up to). Rates are integers in basis points (1 bp =
0.01 %, so ``1250`` is 12.50 %), rounded half up, and ``None`` when there was nothing to divide
by. They are not capped at 100 %: events are independent beacons, so a purchase may be counted
in a window whose impression fell outside it (or was never sent).

Which method an event counts under. Impressions and variant selections carry the method *in
view*: the one the buy box had selected when the component was shown (the components render it
as ``data-sk-method``); a ``fulfilment_select`` carries the method chosen; add-to-cart, checkout
and purchase carry the method of the cart line. So a method's funnel starts where shoppers saw
it, and :attr:`Rates.view_to_cart_bp` divides its adds by its *views* (impressions with it in view
plus selections of it), so a method that shoppers mostly switch to, and so is rarely the one in
view at first, is not flattered by its few impressions. Events sent before the components tagged
impressions, and those of components with no buy box, total under ``"none"``. The step rates
(cart to checkout, checkout to purchase) compare events of one method with each other, so they
are the method's own whatever it started from. Engagement events (a lookbook hotspot, a
suggestion, the repair guide) are counted beside the funnel, never as a step of it.

:func:`screen` is what a beacon must pass before it is stored: a browser (or anyone holding the
publishable key, which is public) can send any handle and any number of ``purchase`` events, and
a report that counts them is as easy to forge as the beacon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar, cast, get_args

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
ENGAGEMENT: tuple[EngagementEvent, ...] = get_args(EngagementEvent)
EVENT_TYPES: tuple[str, ...] = (*FUNNEL, *ENGAGEMENT)
Method = Literal["pickup", "courier", "made_to_order"]
METHODS: tuple[Method, ...] = ("pickup", "courier", "made_to_order")
# Events sent before a fulfilment method was chosen (or for components without one) total under "none".
MethodBucket = Literal["pickup", "courier", "made_to_order", "none"]
METHOD_BUCKETS: tuple[MethodBucket, ...] = (*METHODS, "none")

BASIS_POINTS = 10_000

# A beacon reports what one page saw in the last couple of seconds: at most one order, of which
# the server records one ``purchase`` per line. Five distinct lines a batch is more than a bag
# shop's checkout holds; beyond that a batch is a forgery or a bug, and either way not news.
MAX_BEACON_PURCHASES = 5


@dataclass(frozen=True, slots=True)
class CountRow:
    """How many events of ``type`` one (component, product, method) sent in the window."""

    component: str
    product: str
    method: str | None
    type: str
    count: int


@dataclass(frozen=True, slots=True)
class MethodCountRow:
    """How many events of ``type`` the brand received for ``method`` in the window, whatever the product."""

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
class Engagement:
    """Engagement events per type: counted beside the funnel, not steps of it."""

    hotspot_select: int = 0
    suggestion_select: int = 0
    repair_guide_open: int = 0


@dataclass(frozen=True, slots=True)
class Rates:
    """Conversion in basis points, each ``None`` when its denominator is zero.

    ``add_to_cart_bp`` and ``purchase_bp`` are from impression (the report's first two rates,
    kept as they were); the other three follow the funnel a step at a time.
    """

    add_to_cart_bp: int | None
    purchase_bp: int | None
    view_to_cart_bp: int | None  # add_to_cart / views (impressions + fulfilment selections)
    cart_to_checkout_bp: int | None  # checkout_start / add_to_cart
    checkout_to_purchase_bp: int | None  # purchase / checkout_start


@dataclass(frozen=True, slots=True)
class Group:
    component: str
    product: str
    method: Method | None
    counts: Counts
    rates: Rates
    views: int
    engagement: Engagement


@dataclass(frozen=True, slots=True)
class MethodTotal:
    method: MethodBucket
    counts: Counts
    rates: Rates
    views: int
    engagement: Engagement


@dataclass(frozen=True, slots=True)
class Funnel:
    groups: list[Group]
    by_method: list[MethodTotal]


def rate_bp(numerator: int, denominator: int) -> int | None:
    """``numerator / denominator`` in basis points, rounded half up; ``None`` if the denominator is 0."""
    if denominator <= 0:
        return None
    return (numerator * BASIS_POINTS * 2 + denominator) // (denominator * 2)


def views_of(counts: Counts) -> int:
    """How often the method was in front of a shopper: shown as the buy box's choice, or chosen."""
    return counts.impression + counts.fulfilment_select


def rates_of(counts: Counts) -> Rates:
    return Rates(
        add_to_cart_bp=rate_bp(counts.add_to_cart, counts.impression),
        purchase_bp=rate_bp(counts.purchase, counts.impression),
        view_to_cart_bp=rate_bp(counts.add_to_cart, views_of(counts)),
        cart_to_checkout_bp=rate_bp(counts.checkout_start, counts.add_to_cart),
        checkout_to_purchase_bp=rate_bp(counts.purchase, counts.checkout_start),
    )


def _counts(by_type: dict[str, int]) -> Counts:
    return Counts(**{t: by_type.get(t, 0) for t in FUNNEL})


def _engagement(by_type: dict[str, int]) -> Engagement:
    return Engagement(**{t: by_type.get(t, 0) for t in ENGAGEMENT})


def _method_order(method: str | None) -> int:
    return METHODS.index(method) if method in METHODS else len(METHODS)


def _known(type_: str, method: str | None) -> bool:
    """Rows of unknown event types or methods (none should exist: input is validated) are ignored, not fatal."""
    return type_ in EVENT_TYPES and (method is None or method in METHODS)


def funnel_groups(rows: Iterable[CountRow]) -> list[Group]:
    """Per (component, product, method) funnels, sorted by component, product, then method in :data:`METHODS` order.

    Several rows for one key and type add up, so callers may pass uncollapsed rows (rollups for
    whole hours and raw counts for the edges of a window). A key with engagement events only (a
    lookbook's hotspots) has a group too, its funnel all zeros: that engagement is its report.
    """
    groups: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for row in rows:
        if not _known(row.type, row.method):
            continue
        group = groups.setdefault((row.component, row.product, row.method), {})
        group[row.type] = group.get(row.type, 0) + row.count
    out = []
    for (component, product, method), by_type in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1], _method_order(item[0][2]))
    ):
        counts = _counts(by_type)
        out.append(
            Group(
                component=component,
                product=product,
                method=cast("Method | None", method),  # rows with another method were skipped above
                counts=counts,
                rates=rates_of(counts),
                views=views_of(counts),
                engagement=_engagement(by_type),
            )
        )
    return out


def method_totals(rows: Iterable[MethodCountRow | CountRow]) -> list[MethodTotal]:
    """Totals for every method bucket, zero or not, in the order pickup, courier, made_to_order, none.

    Always all four, so reports have one shape. Several rows for one method and type add up.
    """
    buckets: dict[str, dict[str, int]] = {b: {} for b in METHOD_BUCKETS}
    for row in rows:
        if not _known(row.type, row.method):
            continue
        bucket = buckets[row.method or "none"]
        bucket[row.type] = bucket.get(row.type, 0) + row.count
    out = []
    for name in METHOD_BUCKETS:
        counts = _counts(buckets[name])
        out.append(
            MethodTotal(
                method=name,
                counts=counts,
                rates=rates_of(counts),
                views=views_of(counts),
                engagement=_engagement(buckets[name]),
            )
        )
    return out


def summarise(rows: Iterable[CountRow]) -> Funnel:
    """Every group and the method totals of one set of counted rows: the whole report, unpaged."""
    rows = list(rows)
    return Funnel(groups=funnel_groups(rows), by_method=method_totals(rows))


# --- beacons ------------------------------------------------------------------------------------


class BeaconEvent(Protocol):
    """What :func:`screen` reads of an event (``EventIn`` has it; the rules know no schema)."""

    @property
    def type(self) -> str: ...
    @property
    def component(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def variant(self) -> str | None: ...


E = TypeVar("E", bound=BeaconEvent)


@dataclass(frozen=True, slots=True)
class Screened(Generic[E]):
    """A beacon batch split into what is stored and what is dropped, and why."""

    kept: list[E]
    unknown_product: int  # events for a handle that is none of the brand's products
    implausible: int  # purchases a page cannot have sent

    @property
    def rejected(self) -> int:
        return self.unknown_product + self.implausible


def screen(events: Sequence[E], known_products: Set[str]) -> Screened[E]:
    """Drop the events of a beacon batch that no real page sent; keep the rest in order.

    - An event whose ``product`` is not in ``known_products`` (the brand's handles among the
      batch's) is dropped: it would add a funnel for a product that does not exist, and a
      catalogue of made-up handles would page forever.
    - Of ``purchase`` events, the first per (component, product, variant) is kept (the server
      records one per order line, and a line is a variant; a second is a replay), and at most
      :data:`MAX_BEACON_PURCHASES` of those: the rest are implausible.

    Dropping rather than refusing the batch keeps the honest events that came with a bad one
    (a beacon cannot retry, nor read an error); the 202 answer says how many were dropped.
    """
    kept: list[E] = []
    unknown = implausible = 0
    purchases: set[tuple[str, str, str | None]] = set()
    for event in events:
        if event.product not in known_products:
            unknown += 1
            continue
        if event.type == "purchase":
            line = (event.component, event.product, event.variant)
            if line in purchases or len(purchases) >= MAX_BEACON_PURCHASES:
                implausible += 1
                continue
            purchases.add(line)
        kept.append(event)
    return Screened(kept=kept, unknown_product=unknown, implausible=implausible)
