"""Hourly rollups (fine and per method): equal to the raw log, read by the summary as the raw log would be, left alone
by pruning."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise.functions import Count

from storefront.analytics import rollups, rules, service
from storefront.analytics.models import (
    NO_METHOD,
    AnalyticsDailyRollup,
    AnalyticsEvent,
    AnalyticsMethodDailyRollup,
    AnalyticsMethodRollup,
    AnalyticsRollup,
)
from storefront.analytics.schemas import AnalyticsSummary, EventBatch, EventIn
from storefront.settings import Settings, SettingsError
from tests.conftest import MakeBrand, auth

BASE = datetime(2026, 3, 1, tzinfo=UTC)  # the property tests' era; the pruning tests use the 1990s
OCCURRED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DB_EXAMPLES = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

events = st.builds(
    EventIn,
    type=st.sampled_from(["impression", "variant_select", "add_to_cart", "purchase", "hotspot_select"]),
    component=st.sampled_from(["product-page", "buy-box"]),
    product=st.sampled_from(["noa-micro-bag", "pia-tote"]),
    variant=st.sampled_from([None, "MH-NOA-TAN"]),
    method=st.sampled_from([None, "pickup", "courier", "made_to_order"]),
    occurred_at=st.just(OCCURRED),
)
# (minutes after BASE the batch arrives, with microseconds, its events): over about five hours.
batches = st.lists(
    st.tuples(st.integers(0, 5 * 60), st.integers(0, 999_999), st.lists(events, min_size=1, max_size=8)),
    min_size=1,
    max_size=6,
)


def event(type_: str = "impression", method: str | None = None, product: str = "noa-micro-bag") -> EventIn:
    return EventIn(type=type_, component="product-page", product=product, method=method, occurred_at=OCCURRED)  # type: ignore[arg-type]


async def record(brand_id: uuid.UUID, sequence: list[tuple[int, int, list[EventIn]]]) -> None:
    for minutes, micros, batch in sequence:
        at = BASE + timedelta(minutes=minutes, microseconds=micros)
        await service.record_events(brand_id, EventBatch(events=batch), now=at)


async def rollups_of(brand_id: uuid.UUID) -> Counter[tuple[datetime, str, str, str, str]]:
    rows = await AnalyticsRollup.filter(brand_id=brand_id).values_list(
        "hour", "component", "product", "method", "type", "count"
    )
    out: Counter[tuple[datetime, str, str, str, str]] = Counter()
    for hour, c, p, m, t, n in rows:
        out[hour.astimezone(UTC), c, p, m, t] += n
    return out


async def method_rollups_of(brand_id: uuid.UUID) -> Counter[tuple[datetime, str, str]]:
    rows = await AnalyticsMethodRollup.filter(brand_id=brand_id).values_list("hour", "method", "type", "count")
    out: Counter[tuple[datetime, str, str]] = Counter()
    for hour, m, t, n in rows:
        out[hour.astimezone(UTC), m, t] += n
    return out


def by_method_of(fine: Counter[tuple[datetime, str, str, str, str]]) -> Counter[tuple[datetime, str, str]]:
    """The fine counters summed over component and product: what the per-method rollup must hold."""
    out: Counter[tuple[datetime, str, str]] = Counter()
    for (hour, _, _, m, t), n in fine.items():
        out[hour, m, t] += n
    return out


async def raw_counted(brand_id: uuid.UUID) -> Counter[tuple[datetime, str, str, str, str]]:
    rows = await AnalyticsEvent.filter(brand_id=brand_id).values_list(
        "received_at", "component", "product", "method", "type"
    )
    return Counter((rollups.hour_of(at), c, p, m or NO_METHOD, t) for at, c, p, m, t in rows)


async def raw_summary(brand_id: uuid.UUID, start: datetime, end: datetime) -> dict[str, Any]:
    """What ``summary`` computed before rollups: one GROUP BY over the raw events in the window."""
    rows = (
        await AnalyticsEvent.filter(brand_id=brand_id, received_at__gte=start, received_at__lt=end)
        .annotate(n=Count("id"))
        .group_by("component", "product", "method", "type")
        .values_list("component", "product", "method", "type", "n")
    )
    funnel = rules.summarise(
        rules.CountRow(component=c, product=p, method=m, type=t, count=n) for c, p, m, t, n in rows
    )
    report = msgspec.convert(
        {"since": start, "until": end, "groups": funnel.groups, "by_method": funnel.by_method, "has_more": False},
        AnalyticsSummary,
        from_attributes=True,
    )
    return msgspec.to_builtins(report)  # type: ignore[no-any-return]


async def summary_of(brand_id: uuid.UUID, start: datetime, end: datetime) -> dict[str, Any]:
    return msgspec.to_builtins(await service.summary(brand_id, since=start, until=end))  # type: ignore[no-any-return]


# --- the rollups follow the raw log ---------------------------------------------------------------


@DB_EXAMPLES
@given(sequence=batches)
async def test_rollups_equal_counting_the_raw_events(make_brand: MakeBrand, sequence: Any) -> None:
    brand = await make_brand()
    await record(brand.brand.id, sequence)
    rollups = await rollups_of(brand.brand.id)
    raw = await raw_counted(brand.brand.id)
    assert rollups == raw
    assert sum(rollups.values()) == sum(len(dict.fromkeys(batch)) for _, _, batch in sequence)
    assert await method_rollups_of(brand.brand.id) == by_method_of(raw)


# (minutes after BASE the batch arrives, its events): over three UTC days.
batches_over_days = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60), st.just(0), st.lists(events, min_size=1, max_size=4)), min_size=1, max_size=8
)


@DB_EXAMPLES
@given(sequence=batches_over_days)
async def test_daily_rollups_are_the_hourly_ones_summed_by_day(make_brand: MakeBrand, sequence: Any) -> None:
    brand = await make_brand()
    await record(brand.brand.id, sequence)
    by_day: Counter[tuple[datetime, str, str, str, str]] = Counter()
    for (hour, c, p, m, t), n in (await raw_counted(brand.brand.id)).items():
        by_day[rollups.day_of(hour), c, p, m, t] += n
    daily = await AnalyticsDailyRollup.filter(brand_id=brand.brand.id).values_list(
        "day", "component", "product", "method", "type", "count"
    )
    assert Counter({(d.astimezone(UTC), c, p, m, t): n for d, c, p, m, t, n in daily}) == by_day
    method_daily = await AnalyticsMethodDailyRollup.filter(brand_id=brand.brand.id).values_list(
        "day", "method", "type", "count"
    )
    assert Counter({(d.astimezone(UTC), m, t): n for d, m, t, n in method_daily}) == by_method_of(by_day)


async def test_a_batch_is_one_upsert_row_per_distinct_key_and_adds_to_existing_counters(
    make_brand: MakeBrand,
) -> None:
    brand = await make_brand()
    at = BASE + timedelta(hours=30, minutes=10)
    tan = msgspec.structs.replace(event(), variant="MH-NOA-TAN")  # differs only by variant: one more event, same key
    batch = EventBatch(events=[event(), event(), tan, event(method="pickup"), event("purchase", "pickup")])
    assert await service.record_events(brand.brand.id, batch, now=at) == 4
    assert await service.record_events(brand.brand.id, batch, now=at + timedelta(minutes=40)) == 4
    hour = datetime(2026, 3, 2, 6, tzinfo=UTC)
    assert await rollups_of(brand.brand.id) == {
        (hour, "product-page", "noa-micro-bag", NO_METHOD, "impression"): 4,
        (hour, "product-page", "noa-micro-bag", "pickup", "impression"): 2,
        (hour, "product-page", "noa-micro-bag", "pickup", "purchase"): 2,
    }
    assert await AnalyticsRollup.filter(brand_id=brand.brand.id).count() == 3
    assert await method_rollups_of(brand.brand.id) == {
        (hour, NO_METHOD, "impression"): 4,
        (hour, "pickup", "impression"): 2,
        (hour, "pickup", "purchase"): 2,
    }


def test_the_upsert_adds_and_numbers_placeholders_per_dialect() -> None:
    pg = rollups.upsert_sql(rollups.FINE["hour"], "postgres", 2)
    assert pg.startswith(
        'INSERT INTO "analytics_rollup" ("brand_id", "hour", "component", "product", "method", "type", "day", "count") '
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8), ($9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT"
    )
    assert pg.endswith('DO UPDATE SET "count" = "analytics_rollup"."count" + excluded."count"')
    sqlite = rollups.upsert_sql(rollups.FINE["day"], "sqlite", 1)
    assert '"type", "month", "count") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT' in sqlite and "$" not in sqlite
    # the partition follows from the period, so it is written but not part of the key added to
    assert 'ON CONFLICT ("brand_id", "day", "component", "product", "method", "type")' in sqlite
    by_method = rollups.upsert_sql(rollups.BY_METHOD["hour"], "postgres", 2)
    assert by_method.startswith(
        'INSERT INTO "analytics_method_rollup" ("brand_id", "hour", "method", "type", "count") '
        "VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10) "
        'ON CONFLICT ("brand_id", "hour", "method", "type")'
    )
    assert by_method.endswith('DO UPDATE SET "count" = "analytics_method_rollup"."count" + excluded."count"')


async def test_a_batch_is_five_statements_in_one_transaction(
    make_brand: MakeBrand, caplog: pytest.LogCaptureFixture
) -> None:
    """The raw insert and one upsert per rollup, however many keys: a beacon's cost does not grow with its spread."""
    brand = await make_brand()
    batch = EventBatch(events=[event(t, m, p) for t in ("impression", "purchase") for m in (None, "pickup")
                               for p in ("noa-micro-bag", "pia-tote")])  # fmt: skip
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    assert await service.record_events(brand.brand.id, batch, now=BASE) == 8
    writes = [r.getMessage().lstrip() for r in caplog.records if r.getMessage().lstrip().upper().startswith("INSERT")]
    assert [w.split('"')[1] for w in writes] == [
        "analytics_event", "analytics_rollup", "analytics_method_rollup",
        "analytics_daily_rollup", "analytics_method_daily_rollup",
    ]  # fmt: skip


async def test_a_failed_upsert_stores_no_raw_events_either(make_brand: MakeBrand) -> None:
    brand = await make_brand()

    async def broken(*args: object) -> None:
        raise RuntimeError("rollup write failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rollups, "add", broken)
        with pytest.raises(RuntimeError):
            await service.record_events(brand.brand.id, EventBatch(events=[event()]), now=BASE)
    assert await AnalyticsEvent.filter(brand_id=brand.brand.id).count() == 0


# --- the summary reads rollups, and answers as the raw computation did ---------------------------------


@DB_EXAMPLES
@given(sequence=batches, first=st.integers(-2, 6), hours=st.integers(1, 8))
async def test_summary_of_whole_hours_equals_the_raw_computation(
    make_brand: MakeBrand, sequence: Any, first: int, hours: int
) -> None:
    brand = await make_brand()
    await record(brand.brand.id, sequence)
    start = BASE + timedelta(hours=first)
    end = start + timedelta(hours=hours)
    assert await summary_of(brand.brand.id, start, end) == await raw_summary(brand.brand.id, start, end)


@DB_EXAMPLES
@given(sequence=batches, start_s=st.integers(-3600, 6 * 3600), length_s=st.integers(1, 7 * 3600))
async def test_summary_of_any_window_within_the_retention_equals_the_raw_computation(
    make_brand: MakeBrand, sequence: Any, start_s: int, length_s: int
) -> None:
    brand = await make_brand()
    await record(brand.brand.id, sequence)
    start = BASE + timedelta(seconds=start_s)
    end = start + timedelta(seconds=length_s)
    assert await summary_of(brand.brand.id, start, end) == await raw_summary(brand.brand.id, start, end)


async def test_partial_edge_hours_are_counted_from_raw_events(make_brand: MakeBrand) -> None:
    brand = await make_brand()
    for minutes in (5, 50, 70, 130, 175):  # 00:05, 00:50 | 01:10 | 02:10, 02:55
        await service.record_events(brand.brand.id, EventBatch(events=[event()]), now=BASE + timedelta(minutes=minutes))

    async def impressions(start_min: int, end_min: int) -> int:
        start, end = BASE + timedelta(minutes=start_min), BASE + timedelta(minutes=end_min)
        report = await service.summary(brand.brand.id, since=start, until=end)
        return sum(t.counts.impression for t in report.by_method)

    assert await impressions(0, 180) == 5  # whole hours only
    assert await impressions(30, 150) == 3  # 00:50 (edge) + 01:10 (whole hour) + 02:10 (edge)
    assert await impressions(6, 49) == 0  # inside one hour
    assert await impressions(5, 51) == 2  # [00:05, 00:51) keeps both ends' semantics: since inclusive
    assert await impressions(50, 130) == 2  # until exclusive: 02:10 is out
    assert await impressions(55, 65) == 0  # two partial hours, no whole one


async def test_windows_in_other_offsets_are_hours_of_utc(make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await service.record_events(brand.brand.id, EventBatch(events=[event()]), now=BASE + timedelta(minutes=40))
    india = timezone(timedelta(hours=5, minutes=30))
    start = (BASE + timedelta(minutes=30)).astimezone(india)  # 06:00 +05:30: on the hour there, not in UTC
    report = await service.summary(brand.brand.id, since=start, until=start + timedelta(hours=2))
    assert report.since == start
    assert sum(t.counts.impression for t in report.by_method) == 1
    later = await service.summary(brand.brand.id, since=start + timedelta(minutes=15), until=start + timedelta(hours=2))
    assert sum(t.counts.impression for t in later.by_method) == 0


# --- pruning ------------------------------------------------------------------------------------


NOW_1999 = datetime(1999, 6, 1, 12, 0, tzinfo=UTC)
RETENTION = timedelta(days=90)


def _deletes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().lstrip().upper().startswith("DELETE")]


async def test_pruning_deletes_only_events_older_than_the_retention_in_batches_and_keeps_rollups(
    make_brand: MakeBrand, caplog: pytest.LogCaptureFixture
) -> None:
    ours, theirs = await make_brand(), await make_brand()
    cutoff = NOW_1999 - RETENTION
    old = [cutoff - timedelta(days=d, minutes=m) for d in (1, 30) for m in (1, 20, 45)]  # 6 per brand
    kept = [cutoff, cutoff + timedelta(microseconds=1), NOW_1999 - timedelta(days=1)]
    for brand in (ours, theirs):
        for at in old + kept:
            await service.record_events(brand.brand.id, EventBatch(events=[event(), event("purchase")]), now=at)
    whole = (rollups.hour_of(cutoff) - timedelta(days=40), rollups.hour_of(NOW_1999) + timedelta(hours=1))
    before = await summary_of(ours.brand.id, *whole)

    expected = await AnalyticsEvent.filter(received_at__lt=cutoff).count()  # earlier tests' too: pruning is global
    assert expected >= 2 * len(old) * 2  # two brands, two events per batch
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    deleted = await service.prune_events(NOW_1999, RETENTION, batch_size=5)

    assert deleted == expected
    assert len(_deletes(caplog)) == -(-expected // 5)  # in batches of at most 5 ids
    for brand in (ours, theirs):
        left = await AnalyticsEvent.filter(brand_id=brand.brand.id).values_list("received_at", flat=True)
        assert sorted(left) == sorted(at for at in kept for _ in range(2))
    assert await summary_of(ours.brand.id, *whole) == before  # whole hours: the rollups are intact
    assert await service.prune_events(NOW_1999, RETENTION, batch_size=5) == 0


async def test_after_pruning_a_window_edge_older_than_the_retention_counts_whole_hours_only(
    make_brand: MakeBrand,
) -> None:
    brand = await make_brand()
    hour = datetime(1998, 1, 10, 8, tzinfo=UTC)
    for minutes in (10, 40, 70):
        await service.record_events(brand.brand.id, EventBatch(events=[event()]), now=hour + timedelta(minutes=minutes))
    since, until = hour + timedelta(minutes=30), hour + timedelta(hours=3)

    async def impressions() -> int:
        report = await service.summary(brand.brand.id, since=since, until=until)
        return sum(t.counts.impression for t in report.by_method)

    assert await impressions() == 2
    await service.prune_events(NOW_1999, RETENTION)
    assert await impressions() == 1  # 08:40 was in the partial hour 08:00, read from pruned raw events


async def test_pruning_refuses_a_retention_that_is_not_positive() -> None:
    with pytest.raises(ValueError):
        await service.prune_events(NOW_1999, timedelta(0))


# --- over HTTP ----------------------------------------------------------------------------------


async def test_the_api_summary_of_hours_of_beacons_equals_the_raw_computation(
    client: httpx.AsyncClient, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    for minutes in range(0, 6 * 60, 37):
        batch = EventBatch(
            events=[event(), event("add_to_cart", "courier"), event(product="pia-tote")][: 1 + minutes % 3]
        )
        await service.record_events(brand.brand.id, batch, now=BASE + timedelta(minutes=minutes))
    for start, end in [(0, 360), (60, 240), (17, 301), (100, 110)]:
        since, until = BASE + timedelta(minutes=start), BASE + timedelta(minutes=end)
        response = await client.get(
            "/v1/analytics/summary",
            params={"since": since.isoformat(), "until": until.isoformat()},
            headers=auth(brand.secret_key),
        )
        assert response.status_code == 200, response.text
        expected = await raw_summary(brand.brand.id, since, until)
        assert response.json()["groups"] == expected["groups"]
        assert response.json()["by_method"] == expected["by_method"]


# --- the retention setting ------------------------------------------------------------------------


def test_the_retention_is_read_from_the_environment_with_bounds() -> None:
    assert Settings.from_env({}).analytics_retention_days == 90
    assert Settings.from_env({"STALLKIT_ANALYTICS_RETENTION_DAYS": "7"}).analytics_retention_days == 7
    for bad in ("0", "3651", "ninety"):
        with pytest.raises(SettingsError, match="STALLKIT_ANALYTICS_RETENTION_DAYS"):
            Settings.from_env({"STALLKIT_ANALYTICS_RETENTION_DAYS": bad})
