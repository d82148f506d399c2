"""Migrations 0009's and 0013's backfills: each fills its new rollups from the ones already there.

The session's database went through 0009 empty. Here its backfill statement runs for real on the
session's database, after emptying the per-method rollup, inside a transaction that is then
rolled back, so other tests' rows are untouched.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from storefront.analytics import service
from storefront.analytics.models import AnalyticsDailyRollup, AnalyticsMethodDailyRollup, AnalyticsMethodRollup
from storefront.analytics.schemas import EventBatch, EventIn
from storefront.sql import placeholder, uuid_param
from tests.conftest import MakeBrand

MIGRATION = importlib.import_module("storefront.migrations.0009_analytics_method_rollup")
BASE = datetime(2026, 6, 1, 9, tzinfo=UTC)


class _RollBack(Exception):
    pass


def _event(type_: str, component: str, product: str, method: str | None) -> EventIn:
    return EventIn(type=type_, component=component, product=product, method=method, occurred_at=BASE)  # type: ignore[arg-type]


async def _method_rollup(brand_id: uuid.UUID) -> set[tuple[datetime, str, str, int]]:
    rows = await AnalyticsMethodRollup.filter(brand_id=brand_id).values_list("hour", "method", "type", "count")
    return {(hour.astimezone(UTC), m, t, n) for hour, m, t, n in rows}


async def test_0009_backfills_the_method_rollup_with_the_fine_rollups_sums(make_brand: MakeBrand) -> None:
    ours, theirs = (await make_brand()).brand.id, (await make_brand()).brand.id
    batch = [_event("impression", c, p, None) for c in ("product-page", "buy-box") for p in ("noa", "pia")]
    batch += [_event("add_to_cart", "buy-box", "noa", "pickup"), _event("add_to_cart", "product-page", "pia", "pickup")]
    for brand_id in (ours, theirs):
        await service.record_events(brand_id, EventBatch(events=batch), now=BASE + timedelta(minutes=5))
    await service.record_events(ours, EventBatch(events=batch[:1]), now=BASE + timedelta(hours=1))
    written = await _method_rollup(ours)
    assert written == {
        (BASE, "", "impression", 4),
        (BASE, "pickup", "add_to_cart", 2),
        (BASE + timedelta(hours=1), "", "impression", 1),
    }

    with pytest.raises(_RollBack):
        async with in_transaction() as connection:
            await connection.execute_query('DELETE FROM "analytics_method_rollup"')
            await connection.execute_query(MIGRATION._BACKFILL)
            dialect = connection.capabilities.dialect
            filled = await connection.execute_query_dict(
                'SELECT "hour", "method", "type", "count" FROM "analytics_method_rollup" '  # noqa: S608
                f'WHERE "brand_id" = {placeholder(dialect, 1)}',
                [uuid_param(dialect, ours)],
            )
            raise _RollBack
    as_read = {
        (
            datetime.fromisoformat(r["hour"]) if isinstance(r["hour"], str) else r["hour"],
            r["method"],
            r["type"],
            r["count"],
        )
        for r in filled
    }
    assert {(h.astimezone(UTC), m, t, int(n)) for h, m, t, n in as_read} == written
    assert await _method_rollup(ours) == written  # rolled back: the session's rows are as they were


DAILY = importlib.import_module("storefront.migrations.0013_analytics_daily_rollups")


async def _daily(brand_id: uuid.UUID, connection: object = None) -> set[tuple[object, ...]]:
    fine = AnalyticsDailyRollup.filter(brand_id=brand_id)
    by_method = AnalyticsMethodDailyRollup.filter(brand_id=brand_id)
    if connection is not None:
        fine, by_method = fine.using_db(connection), by_method.using_db(connection)  # type: ignore[arg-type]
    rows = await fine.values_list("day", "component", "product", "method", "type", "count")
    method_rows = await by_method.values_list("day", "method", "type", "count")
    return {(d.astimezone(UTC), *rest) for d, *rest in [*rows, *method_rows]}


async def test_0013_backfills_the_daily_rollups_with_the_hourly_ones_summed_by_day(make_brand: MakeBrand) -> None:
    ours, theirs = (await make_brand()).brand.id, (await make_brand()).brand.id
    batch = [_event("impression", "product-page", p, None) for p in ("noa", "pia")]
    batch += [_event("add_to_cart", "buy-box", "noa", "pickup")]
    for brand_id in (ours, theirs):
        for hours in (0, 3, 14, 15, 40):  # 1 June 09:00 to 3 June 01:00: three UTC days
            await service.record_events(
                brand_id, EventBatch(events=batch), now=BASE + timedelta(hours=hours, minutes=5)
            )
    written = await _daily(ours)
    day = datetime(2026, 6, 1, tzinfo=UTC)
    assert (day, "product-page", "noa", "", "impression", 3) in written  # 09:05, 12:05 and 23:05
    assert (day + timedelta(days=1), "", "impression", 2) in written  # both products, at 00:05
    assert (day + timedelta(days=2), "pickup", "add_to_cart", 1) in written

    with pytest.raises(_RollBack):
        async with in_transaction() as connection:
            await connection.execute_query('DELETE FROM "analytics_daily_rollup"')
            await connection.execute_query('DELETE FROM "analytics_method_daily_rollup"')
            await DAILY.collate_and_backfill(None, SimpleNamespace(client=connection))
            filled = await _daily(ours, connection)
            raise _RollBack
    assert filled == written
    assert await _daily(ours) == written  # rolled back: the session's rows are as they were


PARTITIONS = importlib.import_module("storefront.migrations.0018_analytics_rollup_partitions")


async def _partitions(brand_id: uuid.UUID, connection: Any) -> list[dict[str, Any]]:
    """Each fine rollup row's period and partition as stored (raw: on SQLite an equality compares the text)."""
    dialect = connection.capabilities.dialect
    out = []
    for table, period, partition in (("analytics_rollup", "hour", "day"), ("analytics_daily_rollup", "day", "month")):
        out += await connection.execute_query_dict(
            f'SELECT \'{table}\' AS "t", "{period}" AS "period", "{partition}" AS "partition", "component", '  # noqa: S608
            f'"product", "method", "type" FROM "{table}" WHERE "brand_id" = {placeholder(dialect, 1)} '
            "ORDER BY 1, 2, 4, 5, 6, 7",
            [uuid_param(dialect, brand_id)],
        )
    return out


async def test_0018_fills_each_fine_rollup_rows_partition_as_the_writes_do(make_brand: MakeBrand) -> None:
    ours = (await make_brand()).brand.id
    batch = [_event("impression", "product-page", "noa", None), _event("add_to_cart", "buy-box", "noa", "pickup")]
    end_of_june = datetime(2026, 6, 30, 22, tzinfo=UTC)
    for hours in (0, 1, 2, 26):  # 30 June 22:05 and 23:05, 1 July 00:05, 2 July 00:05
        await service.record_events(ours, EventBatch(events=batch), now=end_of_june + timedelta(hours=hours, minutes=5))
    async with in_transaction() as connection:
        written = await _partitions(ours, connection)
    months = {row["partition"] for row in written if row["t"] == "analytics_daily_rollup"}
    days = {row["partition"] for row in written if row["t"] == "analytics_rollup"}
    assert len(months) == 2 and len(days) == 3  # June and July; 30 June, 1 and 2 July

    with pytest.raises(_RollBack):
        async with in_transaction() as connection:
            for table, column in (("analytics_rollup", "day"), ("analytics_daily_rollup", "month")):
                await connection.execute_query(
                    f'UPDATE "{table}" SET "{column}" = {placeholder(connection.capabilities.dialect, 1)}',  # noqa: S608
                    [PARTITIONS._UNSET],
                )
            await PARTITIONS.fill_partitions(None, SimpleNamespace(client=connection))
            filled = await _partitions(ours, connection)
            raise _RollBack
    assert filled == written
