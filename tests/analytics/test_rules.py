"""The funnel arithmetic, without a database."""

from __future__ import annotations

import pytest

from storefront.analytics.rules import FUNNEL, METHOD_BUCKETS, CountRow, Counts, rate_bp, summarise


def row(t: str, n: int, method: str | None = None, product: str = "noa-micro-bag", component: str = "product-page"):
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
