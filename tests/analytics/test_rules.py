"""The funnel arithmetic and the beacon screen, without a database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.analytics.rules import (
    ENGAGEMENT,
    EVENT_TYPES,
    FUNNEL,
    MAX_BEACON_PURCHASES,
    METHOD_BUCKETS,
    METHODS,
    CountRow,
    Counts,
    Engagement,
    MethodCountRow,
    funnel_groups,
    method_totals,
    rate_bp,
    rates_of,
    screen,
    summarise,
)


def row(
    t: str, n: int, method: str | None = None, product: str = "noa-micro-bag", component: str = "product-page"
) -> CountRow:
    return CountRow(component=component, product=product, method=method, type=t, count=n)


@pytest.mark.parametrize(
    ("num", "den", "bp"),
    [
        (0, 10, 0),
        (1, 8, 1250),  # 12.5 %
        (1, 3, 3333),
        (2, 3, 6667),  # 6666.67 rounds up
        (1, 20_000, 1),  # 0.5 bp rounds half up
        (1, 20_001, 0),
        (10, 10, 10_000),
        (3, 2, 15_000),  # not capped: events are independent beacons
        (5, 0, None),
    ],
)
def test_rate_in_basis_points(num: int, den: int, bp: int | None) -> None:
    assert rate_bp(num, den) == bp


def test_counts_field_order_is_the_funnel() -> None:
    assert tuple(Counts.__dataclass_fields__) == FUNNEL


def test_groups_per_component_product_method_with_rates() -> None:
    funnel = summarise(
        [
            row("impression", 8),
            row("variant_select", 5),
            row("fulfilment_select", 2, "pickup"),
            row("add_to_cart", 2, "pickup"),
            row("purchase", 1, "pickup"),
            row("impression", 4, "courier"),
            row("add_to_cart", 1, "courier"),
            row("impression", 3, product="pia-tote"),
        ]
    )
    keys = [(g.product, g.method) for g in funnel.groups]
    assert keys == [
        ("noa-micro-bag", "pickup"),
        ("noa-micro-bag", "courier"),
        ("noa-micro-bag", None),
        ("pia-tote", None),
    ]
    pickup, courier, none, pia = funnel.groups
    assert pickup.counts == Counts(fulfilment_select=2, add_to_cart=2, purchase=1)
    assert pickup.rates.add_to_cart_bp is None and pickup.rates.purchase_bp is None  # no impressions in that group
    assert courier.rates.add_to_cart_bp == 2500 and courier.rates.purchase_bp == 0
    assert none.counts == Counts(impression=8, variant_select=5)
    assert none.rates.add_to_cart_bp == 0
    assert pia.counts.impression == 3


def test_totals_by_method_always_have_every_bucket_in_order() -> None:
    funnel = summarise(
        [
            row("impression", 10, "pickup"),
            row("add_to_cart", 3, "pickup"),
            row("impression", 6, "pickup", product="pia-tote"),
            row("purchase", 2, "pickup", product="pia-tote"),
            row("impression", 7),
        ]
    )
    assert (
        [t.method for t in funnel.by_method] == list(METHOD_BUCKETS) == ["pickup", "courier", "made_to_order", "none"]
    )
    pickup, courier, mto, none = funnel.by_method
    assert pickup.counts == Counts(impression=16, add_to_cart=3, purchase=2)
    assert (pickup.rates.add_to_cart_bp, pickup.rates.purchase_bp) == (1875, 1250)
    assert courier.counts == Counts() and courier.rates.add_to_cart_bp is None
    assert mto.counts == Counts()
    assert none.counts == Counts(impression=7)


def test_repeated_rows_add_up_and_unknown_ones_are_ignored() -> None:
    funnel = summarise(
        [
            row("impression", 2),
            row("impression", 3),
            row("click", 9),
            row("impression", 4, "drone"),
        ]
    )
    assert len(funnel.groups) == 1
    assert funnel.groups[0].counts == Counts(impression=5)
    assert funnel.by_method[-1].counts == Counts(impression=5)


def test_nothing_makes_an_empty_report_of_one_shape() -> None:
    funnel = summarise([])
    assert funnel.groups == []
    assert [t.counts for t in funnel.by_method] == [Counts()] * 4


def test_method_totals_from_the_coarse_rollup_equal_those_of_the_fine_rows() -> None:
    fine = [row("impression", 4, "pickup"), row("impression", 3, "pickup", product="pia-tote"), row("purchase", 1)]
    coarse = [MethodCountRow(method="pickup", type="impression", count=7), MethodCountRow(None, "purchase", 1)]
    assert method_totals(coarse) == summarise(fine).by_method


# --- conversion per method ------------------------------------------------------------------------


def test_impressions_in_view_give_each_method_a_funnel_of_its_own() -> None:
    """The issue's complaint: with impressions under "none", every method's add-to-cart rate was 0 or null."""
    funnel = summarise(
        [
            row("impression", 20, "pickup"),
            row("impression", 10, "courier"),
            row("fulfilment_select", 10, "courier"),  # shoppers who switched to courier from pickup
            row("add_to_cart", 4, "pickup"),
            row("add_to_cart", 6, "courier"),
            row("checkout_start", 3, "pickup", component="checkout"),
            row("checkout_start", 3, "courier", component="checkout"),
            row("purchase", 3, "pickup", component="checkout"),
            row("purchase", 1, "courier", component="checkout"),
            row("impression", 5),  # recorded before impressions carried the method
        ]
    )
    pickup, courier, mto, none = funnel.by_method
    assert (pickup.views, courier.views, none.views) == (20, 20, 5)
    assert pickup.rates.view_to_cart_bp == 2000 and courier.rates.view_to_cart_bp == 3000
    assert courier.rates.add_to_cart_bp == 6000  # per impression it flatters courier, reached by switching
    assert (pickup.rates.cart_to_checkout_bp, courier.rates.cart_to_checkout_bp) == (7500, 5000)
    assert (pickup.rates.checkout_to_purchase_bp, courier.rates.checkout_to_purchase_bp) == (10_000, 3333)
    assert (pickup.rates.purchase_bp, courier.rates.purchase_bp) == (1500, 1000)
    assert mto.rates == rates_of(Counts()) and mto.rates.view_to_cart_bp is None
    assert none.counts == Counts(impression=5) and none.rates.view_to_cart_bp == 0


def test_engagement_is_reported_beside_the_funnel_not_as_a_step() -> None:
    funnel = summarise(
        [
            row("hotspot_select", 4, component="lookbook"),
            row("suggestion_select", 2, "pickup"),
            row("repair_guide_open", 1, "pickup"),
            row("impression", 10, "pickup"),
        ]
    )
    lookbook, page = funnel.groups
    assert (lookbook.component, lookbook.method) == ("lookbook", None)
    assert lookbook.counts == Counts() and lookbook.engagement == Engagement(hotspot_select=4)
    assert lookbook.rates.add_to_cart_bp is None  # engagement is no impression
    assert page.engagement == Engagement(suggestion_select=2, repair_guide_open=1)
    pickup, _, _, none = funnel.by_method
    assert pickup.engagement == Engagement(suggestion_select=2, repair_guide_open=1)
    assert none.engagement == Engagement(hotspot_select=4)


def test_every_event_type_is_reported_somewhere() -> None:
    assert set(EVENT_TYPES) == set(Counts.__dataclass_fields__) | set(Engagement.__dataclass_fields__)
    assert tuple(Engagement.__dataclass_fields__) == ENGAGEMENT


count_rows = st.builds(
    CountRow,
    component=st.sampled_from(["product-page", "checkout", "lookbook"]),
    product=st.sampled_from(["noa-micro-bag", "pia-tote"]),
    method=st.sampled_from([None, *METHODS, "drone"]),
    type=st.sampled_from([*EVENT_TYPES, "click"]),
    count=st.integers(0, 10**6),
)


def totals_by_type(rows: list[CountRow]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.type in EVENT_TYPES and r.method in (None, *METHODS):
            key = (r.method or "none", r.type)
            out[key] = out.get(key, 0) + r.count
    return out


def reported(bucket: str, counts: Counts, engagement: Engagement) -> dict[tuple[str, str], int]:
    fields: dict[str, int] = {t: getattr(counts, t) for t in FUNNEL}
    fields |= {t: getattr(engagement, t) for t in ENGAGEMENT}
    return {(bucket, t): n for t, n in fields.items() if n}


@given(rows=st.lists(count_rows, max_size=40))
def test_every_known_event_is_counted_once_under_its_method(rows: list[CountRow]) -> None:
    """Conservation: the totals (and the groups, summed per method) hold exactly the known rows' counts."""
    expected = {k: n for k, n in totals_by_type(rows).items() if n}
    funnel = summarise(rows)
    by_method: dict[tuple[str, str], int] = {}
    for t in funnel.by_method:
        by_method |= reported(t.method, t.counts, t.engagement)
    assert by_method == expected
    from_groups: dict[tuple[str, str], int] = {}
    for g in funnel.groups:
        for key, n in reported(g.method or "none", g.counts, g.engagement).items():
            from_groups[key] = from_groups.get(key, 0) + n
    assert from_groups == expected


@given(rows=st.lists(count_rows, max_size=40), data=st.data())
def test_the_report_does_not_depend_on_how_rows_are_split_or_ordered(rows: list[CountRow], data: st.DataObject) -> None:
    """Rollup spans hand in uncollapsed rows in any order: splitting a count in two changes nothing."""
    shuffled = data.draw(st.permutations(rows))
    halves = [
        CountRow(component=r.component, product=r.product, method=r.method, type=r.type, count=part)
        for r in shuffled
        for part in (r.count // 2, r.count - r.count // 2)
    ]
    assert summarise(halves) == summarise(rows)
    coarse = [MethodCountRow(method=r.method, type=r.type, count=r.count) for r in shuffled]
    assert method_totals(coarse) == summarise(rows).by_method


@given(counts=st.builds(Counts, *[st.integers(0, 10**9)] * len(FUNNEL)))
def test_step_rates_are_null_exactly_without_a_denominator_and_views_never_flatter(counts: Counts) -> None:
    rates = rates_of(counts)
    steps = [
        (rates.add_to_cart_bp, counts.impression),
        (rates.purchase_bp, counts.impression),
        (rates.view_to_cart_bp, counts.impression + counts.fulfilment_select),
        (rates.cart_to_checkout_bp, counts.add_to_cart),
        (rates.checkout_to_purchase_bp, counts.checkout_start),
    ]
    for rate, denominator in steps:
        assert (rate is None) == (denominator == 0)
        assert rate is None or rate >= 0
    if rates.add_to_cart_bp is not None:
        assert rates.view_to_cart_bp is not None and rates.view_to_cart_bp <= rates.add_to_cart_bp


@given(rows=st.lists(count_rows, max_size=40))
def test_groups_stay_sorted_with_one_per_key_and_method(rows: list[CountRow]) -> None:
    groups = funnel_groups(rows)
    keys = [(g.component, g.product, METHODS.index(g.method) if g.method else len(METHODS)) for g in groups]
    assert keys == sorted(set(keys))


# --- the beacon screen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Beacon:
    type: str
    product: str = "noa-micro-bag"
    variant: str | None = None
    component: str = "product-page"


KNOWN = frozenset({"noa-micro-bag", "pia-tote"})


def test_events_for_products_the_brand_does_not_have_are_dropped() -> None:
    batch = [Beacon("impression"), Beacon("impression", product="made-up"), Beacon("add_to_cart", product="pia-tote")]
    screened = screen(batch, KNOWN)
    assert screened.kept == [batch[0], batch[2]]
    assert (screened.unknown_product, screened.implausible, screened.rejected) == (1, 0, 1)


def test_one_purchase_per_line_and_a_few_per_batch() -> None:
    lines = [Beacon("purchase", variant=f"NOA-{i}") for i in range(MAX_BEACON_PURCHASES + 3)]
    replay = Beacon("purchase", variant="NOA-0")
    other_component = Beacon("purchase", variant="NOA-0", component="buy-box")  # another component's own conversion
    batch = [lines[0], replay, other_component, *lines[1:], Beacon("impression")]
    screened = screen(batch, KNOWN)
    purchases = [e for e in screened.kept if e.type == "purchase"]
    assert purchases == [lines[0], other_component, *lines[1 : MAX_BEACON_PURCHASES - 1]]
    assert screened.kept[-1] == Beacon("impression")  # other types are not capped
    assert screened.implausible == len(batch) - len(screened.kept)


def test_a_flood_of_impressions_is_kept() -> None:
    batch = [Beacon("impression", variant=str(i)) for i in range(50)]
    assert screen(batch, KNOWN).kept == batch


beacons = st.builds(
    Beacon,
    type=st.sampled_from(["impression", "add_to_cart", "checkout_start", "purchase"]),
    product=st.sampled_from(["noa-micro-bag", "pia-tote", "made-up"]),
    variant=st.sampled_from([None, "A", "B", "C", "D", "E", "F", "G"]),
    component=st.sampled_from(["product-page", "buy-box"]),
)


@given(batch=st.lists(beacons, max_size=50))
def test_the_screen_keeps_an_ordered_subset_of_known_products_with_few_distinct_purchases(batch: list[Beacon]) -> None:
    screened = screen(batch, KNOWN)
    assert len(screened.kept) + screened.rejected == len(batch)
    assert screened.unknown_product == sum(e.product not in KNOWN for e in batch)
    remaining = iter(batch)
    assert all(any(e is candidate for candidate in remaining) for e in screened.kept)  # a subsequence, in order
    assert all(e.product in KNOWN for e in screened.kept)
    purchases = [(e.component, e.product, e.variant) for e in screened.kept if e.type == "purchase"]
    assert len(purchases) == len(set(purchases)) <= MAX_BEACON_PURCHASES
    assert [e for e in screened.kept if e.type != "purchase"] == [
        e for e in batch if e.type != "purchase" and e.product in KNOWN
    ]
