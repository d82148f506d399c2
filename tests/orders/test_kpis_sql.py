"""The KPI sums computed in SQL equal the pure definition over loaded orders, in bounded queries.

Orders here are written straight to the tables (to reach states and instants the API would not
make), bypassing the running counters; :func:`_counted` rebuilds the counters from the SQL sums and
reads the KPIs from them, as the API does.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import Tortoise

from storefront.cart.models import Cart
from storefront.catalog.models import Variant
from storefront.orders import kpi_counters, kpis
from storefront.orders.models import Fulfilment, Order, OrderLine, Return, ReturnLine
from storefront.orders.reading import orders_out
from storefront.orders.schemas import KpiSummary
from storefront.orders.service import kpi_summary, list_orders, order_ref
from tests.conftest import MakeBrand
from tests.factories import bare_variant
from tests.queries import recorded_queries

BASE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# Instants in assorted offsets (Tortoise stores them in UTC; test_sqlite_reads_any_offset covers raw text).
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
# Around whole minutes and seconds, where flooring and comparing instants go wrong first.
JITTER_US = [0, 1, -1, 500, 999_999, -999_999, 59_999_999, -59_999_999]
METHODS = ["pickup", "courier", "made_to_order"]
STATUSES = ["pending_payment", "cancelled", "paid", "partially_fulfilled", "fulfilled", "returned"]


def instant() -> st.SearchStrategy[datetime]:
    """Near BASE, at any microsecond, in one of ZONES."""
    return st.builds(
        lambda minutes, us, zone: (BASE + timedelta(minutes=minutes, microseconds=us)).astimezone(zone),
        st.integers(-3, 3 * 24 * 60),
        st.sampled_from(JITTER_US),
        st.sampled_from(ZONES),
    )


returns = st.lists(
    st.tuples(
        st.sampled_from(["changed_mind", "wrong_size", "faulty"]),
        st.sampled_from(["", "resaleable", "damaged"]),  # "" requested only: not counted
        st.integers(0, 3),
    ),
    max_size=2,
)
lines = st.lists(st.tuples(st.integers(0, 50_000), returns), max_size=2)
fulfilments = st.lists(
    st.fixed_dictionaries(
        {
            "method": st.sampled_from(METHODS),
            "fee": st.integers(0, 1_500),
            "promised": instant(),
            "fulfilled": st.none() | instant(),
            "lines": lines,
        }
    ),
    max_size=3,
)
orders = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(STATUSES),
            "placed": instant(),
            "refunded": st.integers(0, 20_000),
            "fulfilments": fulfilments,
        }
    ),
    max_size=8,
)


async def _order(brand_id: uuid.UUID, variant: Variant, spec: dict[str, Any]) -> Order:
    placed = spec["placed"]
    order = await Order.create(
        brand_id=brand_id, number=f"T-{uuid.uuid4().hex[:12]}", status=spec["status"], currency="GBP",
        subtotal_minor=0, fulfilment_minor=0, discount_minor=0, total_minor=0, refunded_minor=spec["refunded"],
        hold_expires_at=placed, placed_at=placed,
    )  # fmt: skip
    order_return: Return | None = None
    for f in spec["fulfilments"]:
        fulfilment = await Fulfilment.create(
            order=order, method=f["method"], status="fulfilled" if f["fulfilled"] else "preparing", location="x",
            fee_minor=f["fee"], promised_earliest=placed, promised_latest=f["promised"], promise_rule="test",
            timezone="Europe/London", fulfilled_at=f["fulfilled"],
        )  # fmt: skip
        for total, returned in f["lines"]:
            line = await OrderLine.create(
                order=order, fulfilment=fulfilment, variant=variant, sku=variant.sku, title="Tan", quantity=3,
                unit_price_minor=total, total_minor=total,
            )  # fmt: skip
            for reason, condition, quantity in returned:
                if order_return is None:
                    order_return = await Return.create(order=order, status="completed", refund_minor=0)
                await ReturnLine.create(
                    order_return=order_return, line=line, quantity=quantity, reason=reason, condition=condition
                )
    return order


async def _counted(brand_id: uuid.UUID) -> list[KpiSummary]:
    """The KPIs as the API reads them, once the counters are rebuilt from the orders written here."""
    await kpi_counters.rebuild(brand_id)
    return await kpi_summary(brand_id)


async def _pure_summary(brand_id: uuid.UUID) -> list[KpiSummary]:
    """The definition: every order of the brand loaded, then :func:`kpis.summarise`."""
    everything = await Order.filter(brand_id=brand_id).order_by("id")
    return kpis.summarise(await orders_out(everything), "GBP")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=orders)
async def test_sql_kpis_equal_the_pure_summary(specs: list[dict[str, Any]], make_brand: MakeBrand) -> None:
    brand_id = (await make_brand(currency="GBP")).brand.id
    variant = await bare_variant(brand_id)
    for spec in specs:
        await _order(brand_id, variant, spec)
    assert await _counted(brand_id) == await _pure_summary(brand_id)


async def test_lead_minutes_floor_like_python_before_the_order_was_placed(make_brand: MakeBrand) -> None:
    """A promise (or delivery) a few microseconds before placing is minus one minute, not zero."""
    brand_id = (await make_brand(currency="GBP")).brand.id
    variant = await bare_variant(brand_id)
    early = BASE - timedelta(microseconds=1)
    fulfilment = {"method": "courier", "fee": 0, "promised": early, "fulfilled": early, "lines": []}
    await _order(brand_id, variant, {"status": "paid", "placed": BASE, "refunded": 0, "fulfilments": [fulfilment]})
    [summary] = await _counted(brand_id)
    assert (summary.average_promised_lead_minutes, summary.average_actual_lead_minutes) == (-1, -1)
    assert summary.on_time_bp == 10_000
    assert [summary] == await _pure_summary(brand_id)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23 10:00:00+00:00",
        "2026-11-23 10:00:00.999999-05:30",
        "2026-11-23T15:30:00.000001+05:30",
        "1969-12-31 23:59:59.999999+00:00",
        "2026-11-23 10:00:00",  # naive: Tortoise reads it as UTC
    ],
)
async def test_sqlite_reads_any_offset_to_the_microsecond(backend: str, database: object, text: str) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL's timestamptz has no text to parse")
    sql = " ".join(["SELECT", kpis._epoch_us("x", "sqlite"), "AS us FROM (SELECT ? AS x)"])
    [row] = await Tortoise.get_connection("default").execute_query_dict(sql, [text])
    parsed = datetime.fromisoformat(text)
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    assert row["us"] == (parsed - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


PLACEHOLDER_LIST = re.compile(r"\bIN\s*\(\s*(\?|\$\d)", re.IGNORECASE)


async def _brand_with_orders(make_brand: MakeBrand, count: int) -> uuid.UUID:
    brand_id = (await make_brand(currency="GBP")).brand.id
    variant = await bare_variant(brand_id)
    for i in range(count):
        done = BASE + timedelta(hours=i)
        fulfilment = {"method": METHODS[i % 3], "fee": 100, "promised": done, "fulfilled": done, "lines": [(900, [])]}
        await _order(brand_id, variant, {"status": "paid", "placed": BASE, "refunded": 0, "fulfilments": [fulfilment]})
    await kpi_counters.rebuild(brand_id)
    return brand_id


async def test_kpi_queries_are_bounded_whatever_the_order_count(make_brand: MakeBrand) -> None:
    few, many = await _brand_with_orders(make_brand, 3), await _brand_with_orders(make_brand, 45)
    with recorded_queries() as seen_few:
        await kpi_counters.recompute(few)
    with recorded_queries() as seen_many:
        figures = await kpi_counters.recompute(many)
    assert sum(f.orders for f in figures.values()) == 45
    assert len(seen_many) == len(seen_few) <= 2
    for sql, values in seen_many:
        assert len(values) <= 1, sql  # the brand id
        assert not PLACEHOLDER_LIST.search(sql), sql  # order rows are joined, never listed


async def test_reading_kpis_reads_the_counters_only(make_brand: MakeBrand) -> None:
    """What the API serves costs the same few rows at 3 orders as at 45: no order table is read."""
    few, many = await _brand_with_orders(make_brand, 3), await _brand_with_orders(make_brand, 45)
    with recorded_queries() as seen_few:
        await kpi_summary(few)
    with recorded_queries() as seen_many:
        summary = await kpi_summary(many)
    assert sum(s.orders for s in summary) == 45
    assert len(seen_many) == len(seen_few) <= 3
    assert not [sql for sql, _ in seen_many if re.search(r'\b(FROM|JOIN) "(order|fulfilment|order_line)"', sql)]


@pytest.mark.parametrize("status", [None, "paid"])
async def test_a_page_reads_limit_plus_one_orders_in_index_order(make_brand: MakeBrand, status: str | None) -> None:
    brand_id = await _brand_with_orders(make_brand, 7)
    with recorded_queries() as seen:
        page = await list_orders(brand_id, status=status, cursor=None, limit=3)
    assert len(page.data) == 3 and page.has_more and page.next_cursor
    [(listing, params)] = [(sql, values) for sql, values in seen if 'FROM "order"' in sql]
    assert re.search(r'ORDER BY "?id"? ASC LIMIT', listing, re.IGNORECASE), listing
    assert '"brand_id"=' in listing.replace(" ", "") and (('"status"=' in listing.replace(" ", "")) == bool(status))
    assert 4 in params or "LIMIT 4" in listing  # limit + 1
    # fulfilments, lines and received returns of those 4 orders (returns add the excluded condition)
    assert all(len(values) <= 4 + 1 for sql, values in seen if sql is not listing), seen
    after = await list_orders(brand_id, status=status, cursor=page.next_cursor, limit=3)
    last = await list_orders(brand_id, status=status, cursor=after.next_cursor, limit=3)
    ids = [o.id for o in page.data + after.data + last.data]
    assert ids == sorted(ids) and len(set(ids)) == 7 and not last.has_more


async def test_order_ref_by_cart_within_the_brand(make_brand: MakeBrand) -> None:
    brand_id = await _brand_with_orders(make_brand, 1)
    other = (await make_brand(currency="GBP")).brand.id
    cart = await Cart.create(brand_id=brand_id, currency="GBP", status="checked_out")
    order = await Order.get(brand_id=brand_id)
    order.cart_id = cart.id
    await order.save(update_fields=["cart_id"])
    ref = await order_ref(cart.id, brand_id)
    assert ref is not None and (ref.id, ref.number) == (order.id, order.number)
    assert await order_ref(cart.id, other) is None
