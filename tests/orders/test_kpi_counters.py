"""Running KPI counters: the sums add and subtract exactly, and the stored counters follow the orders.

Every test that makes a brand also checks, when it ends, that the brand's counters equal what its
orders add up to (``make_brand`` in tests/conftest.py), so each order flow in the suite checks
that its changes were counted once. Here: the algebra the counters rely on, the backfill of
orders that predate the counters, and reading in bounded queries.
"""

from __future__ import annotations

import importlib
import types
import uuid
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from tortoise.connection import get_connection

from storefront.orders import kpi_counters, kpis
from storefront.orders.models import Fulfilment, Order, OrderKpiCounter, OrderKpiReason, OrderLine
from storefront.orders.service import kpi_summary
from tests.conftest import MakeBrand
from tests.factories import bare_variant

METHODS = ["pickup", "courier", "made_to_order"]
figures_of_one_method = st.builds(
    kpis.MethodFigures,
    **{name: st.integers(-(10**6), 10**6) for name in kpis.SUMS},
    reasons=st.dictionaries(st.sampled_from(["faulty", "wrong_size"]), st.integers(-50, 50).filter(bool)),
)
figures = st.dictionaries(st.sampled_from(METHODS), figures_of_one_method, max_size=3)


@given(brand=figures, before=figures, after=figures)
def test_moving_by_the_change_lands_where_recomputing_would(
    brand: kpis.Figures, before: kpis.Figures, after: kpis.Figures
) -> None:
    """Counters holding ``brand + before``, moved by ``change(before, after)``, hold ``brand + after``."""
    counted = kpis.total([kpis.total([brand, before]), kpis.change(before, after)])
    assert counted == kpis.total([brand, after])


@given(parts=st.lists(figures, max_size=5))
def test_a_total_is_the_same_in_any_order_and_drops_what_comes_to_nothing(parts: list[kpis.Figures]) -> None:
    summed = kpis.total(parts)
    assert summed == kpis.total(reversed(parts))
    assert not [m for m, f in summed.items() if f.is_zero()]
    assert kpis.change(summed, summed) == {}


def test_an_unpaid_order_contributes_nothing_and_summary_leaves_empty_methods_out() -> None:
    assert kpis.summary_of({"pickup": kpis.NOTHING}, "GBP") == []
    assert kpis.change({}, {}) == {}


async def _paid_order_without_counters(brand_id: uuid.UUID) -> None:
    """A paid, delivered courier order written straight to the tables, as before the counters existed."""
    placed = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    order = await Order.create(
        brand_id=brand_id, number=f"K-{uuid.uuid4().hex[:12]}", status="fulfilled", currency="GBP",
        subtotal_minor=4_500, fulfilment_minor=500, discount_minor=0, total_minor=5_000, refunded_minor=0,
        hold_expires_at=placed, placed_at=placed,
    )  # fmt: skip
    fulfilment = await Fulfilment.create(
        order=order, method="courier", status="fulfilled", location="hub", fee_minor=500,
        promised_earliest=placed, promised_latest=placed.replace(hour=18), promise_rule="test",
        timezone="Europe/London", fulfilled_at=placed.replace(hour=15),
    )  # fmt: skip
    variant = await bare_variant(brand_id, price_minor=4_500)
    await OrderLine.create(
        order=order, fulfilment=fulfilment, variant=variant, sku=variant.sku, title="Bag", quantity=1,
        unit_price_minor=4_500, total_minor=4_500,
    )  # fmt: skip


async def test_the_migration_fills_counters_for_orders_placed_before_them(make_brand: MakeBrand) -> None:
    brand_id = (await make_brand(currency="GBP")).brand.id
    await _paid_order_without_counters(brand_id)
    assert await kpi_summary(brand_id) == []  # written behind the counters' back

    migration = importlib.import_module("storefront.migrations.0010_order_kpi_counters")
    await migration.fill_counters(None, types.SimpleNamespace(client=get_connection("default")))

    [courier] = await kpi_summary(brand_id)
    assert (courier.method, courier.orders, courier.fulfilled, courier.on_time_bp) == ("courier", 1, 1, 10_000)
    assert (courier.revenue.amount, courier.fulfilment_fees.amount, courier.average_actual_lead_minutes) == (
        4_500, 500, 300,
    )  # fmt: skip
    assert await kpi_counters.read(brand_id) == await kpi_counters.recompute(brand_id)


async def test_the_migration_leaves_brands_that_have_counters_alone(make_brand: MakeBrand) -> None:
    brand_id = (await make_brand(currency="GBP")).brand.id
    await _paid_order_without_counters(brand_id)
    await kpi_counters.rebuild(brand_id)
    migration = importlib.import_module("storefront.migrations.0010_order_kpi_counters")
    await migration.fill_counters(None, types.SimpleNamespace(client=get_connection("default")))
    assert await OrderKpiCounter.filter(brand_id=brand_id).count() == 1
    assert await OrderKpiReason.filter(brand_id=brand_id).count() == 0
    [courier] = await kpi_summary(brand_id)
    assert courier.orders == 1
