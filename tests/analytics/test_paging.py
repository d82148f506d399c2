"""The summary a page at a time: every group exactly once, in order, as the raw log says; bounded reads per page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from storefront.analytics import report, rules, service, settled
from storefront.analytics.models import AnalyticsEvent
from storefront.analytics.schemas import MAX_PAGE_KEYS, AnalyticsSummary, EventBatch, EventIn
from storefront.errors import InvalidInput
from tests.conftest import MakeBrand, auth
from tests.queries import recorded_queries

BASE = datetime(2026, 5, 1, tzinfo=UTC)
OCCURRED = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
DB_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
# Handles whose byte order differs from a natural-language collation's ("pia-tote" < "piat" < "piatote" bytewise).
COMPONENTS = ["buy", "buy-box", "product-page"]
PRODUCTS = ["a", "pia", "pia-tote", "piat", "piatote", "z9"]
SUMMARY = "/v1/analytics/summary"
ANALYTICS_TABLES = (
    "analytics_rollup", "analytics_daily_rollup", "analytics_event",
    "analytics_method_rollup", "analytics_method_daily_rollup",
)  # fmt: skip
FINE_ROLLUPS = ("analytics_rollup", "analytics_daily_rollup")

events = st.builds(
    EventIn,
    type=st.sampled_from(["impression", "add_to_cart", "purchase", "hotspot_select"]),
    component=st.sampled_from(COMPONENTS),
    product=st.sampled_from(PRODUCTS),
    variant=st.none(),
    method=st.sampled_from([None, "pickup", "courier", "made_to_order"]),
    occurred_at=st.just(OCCURRED),
)
# (seconds after BASE the batch arrives, its events): over about four hours.
batches = st.lists(st.tuples(st.integers(0, 4 * 3600), st.lists(events, min_size=1, max_size=6)), max_size=8)


async def record(brand_id: uuid.UUID, sequence: list[tuple[int, list[EventIn]]]) -> None:
    for seconds, batch in sequence:
        await service.record_events(brand_id, EventBatch(events=batch), now=BASE + timedelta(seconds=seconds))


async def truth(
    brand_id: uuid.UUID, start: datetime, end: datetime, component: str | None = None, product: str | None = None
) -> rules.Funnel:
    """The unpaged answer, from the raw log: groups of the filtered events, totals of all of them."""
    rows = await AnalyticsEvent.filter(brand_id=brand_id, received_at__gte=start, received_at__lt=end).values_list(
        "component", "product", "method", "type"
    )
    every = [rules.CountRow(component=c, product=p, method=m, type=t, count=1) for c, p, m, t in rows]
    chosen = [r for r in every if component in (None, r.component) and product in (None, r.product)]
    return rules.Funnel(groups=rules.funnel_groups(chosen), by_method=rules.method_totals(every))


def plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


async def walk(
    brand_id: uuid.UUID, start: datetime, end: datetime, limit: int, **filters: str | None
) -> list[AnalyticsSummary]:
    """Every page from the first, following ``next_cursor``; refuses to loop."""
    pages: list[AnalyticsSummary] = []
    cursor: str | None = None
    while True:
        page = await service.summary(brand_id, since=start, until=end, cursor=cursor, limit=limit, **filters)
        pages.append(page)
        assert len(pages) <= len(COMPONENTS) * len(PRODUCTS) + 1, "the cursor does not advance"
        if page.next_cursor is None:
            assert not page.has_more
            return pages
        assert page.has_more
        cursor = page.next_cursor


@DB_EXAMPLES
@given(
    sequence=batches,
    start_s=st.integers(-1800, 4 * 3600),
    length_s=st.integers(1, 5 * 3600),
    limit=st.integers(1, 4),
    component=st.sampled_from([None, *COMPONENTS]),
    product=st.sampled_from([None, *PRODUCTS]),
)
async def test_paging_walks_every_group_once_in_order_and_adds_up_to_the_raw_truth(
    make_brand: MakeBrand,
    sequence: Any,
    start_s: int,
    length_s: int,
    limit: int,
    component: str | None,
    product: str | None,
) -> None:
    brand = await make_brand()
    await record(brand.brand.id, sequence)
    start = BASE + timedelta(seconds=start_s)
    end = start + timedelta(seconds=length_s)
    expected = await truth(brand.brand.id, start, end, component, product)

    pages = await walk(brand.brand.id, start, end, limit, component=component, product=product)
    walked = [g for page in pages for g in page.groups]
    assert plain(walked) == plain(expected.groups)  # each exactly once, and in (component, product, method) order
    for page in pages:
        assert len({(g.component, g.product) for g in page.groups}) <= limit
        assert plain(page.by_method) == plain(expected.by_method)  # the whole window's, on every page
        assert (page.since, page.until) == (start, end)
    for page in pages[:-1]:  # a full page: keys with only engagement events take a place but show no group
        assert page.has_more


async def test_pages_cut_between_keys_and_keep_a_keys_methods_together(make_brand: MakeBrand) -> None:
    brand = await make_brand()
    batch = [EventIn(type="impression", component="product-page", product=p, method=m, occurred_at=OCCURRED)
             for p in ("a", "b", "c") for m in (None, "pickup", "courier")]  # fmt: skip
    await service.record_events(brand.brand.id, EventBatch(events=batch), now=BASE + timedelta(minutes=30))
    start, end = BASE, BASE + timedelta(hours=2)

    first = await service.summary(brand.brand.id, since=start, until=end, limit=2)
    assert [(g.product, g.method) for g in first.groups] == [
        ("a", "pickup"), ("a", "courier"), ("a", None), ("b", "pickup"), ("b", "courier"), ("b", None),
    ]  # fmt: skip
    assert first.has_more and first.next_cursor
    last = await service.summary(brand.brand.id, since=start, until=end, limit=2, cursor=first.next_cursor)
    assert [g.product for g in last.groups] == ["c", "c", "c"]
    assert not last.has_more and last.next_cursor is None


def test_key_bounds_match_tuple_order_for_every_filter_and_cursor() -> None:
    """The SQL conditions, read back in Python, select exactly the keys that tuple comparison does."""
    keys = [(c, p) for c in COMPONENTS for p in PRODUCTS]
    cursors: list[tuple[str, str] | None] = [None, *keys, ("buy-box", "b"), ("c", "a")]

    def holds(bound: report.Bound, key: tuple[str, str]) -> bool:
        row = dict(zip(("component", "product"), key, strict=True))
        left = tuple(row[c] for c in bound.columns)
        return {
            "=": left == bound.values,
            ">": left > bound.values,
            ">=": left >= bound.values,
            "<": left < bound.values,
            "<=": left <= bound.values,
        }[bound.op]

    for component in [None, *COMPONENTS]:
        for product in [None, *PRODUCTS]:
            for after in cursors:
                conditions = report.key_bounds(component, product, after)
                want = {
                    k
                    for k in keys
                    if component in (None, k[0]) and product in (None, k[1]) and (after is None or k > after)
                }
                got = set() if conditions is None else {k for k in keys if all(holds(b, k) for b in conditions)}
                assert got == want, (component, product, after, conditions)
                if conditions is not None:  # a fixed column is never bounded again: the planners need that
                    fixed = {c for c, v in (("component", component), ("product", product)) if v is not None}
                    assert all(b.op == "=" or not (set(b.columns) & fixed) for b in conditions), conditions


@pytest.mark.parametrize(("limit", "pages"), [(1, [["a"], ["b"], ["c"], ["d"]]), (3, [["a", "b", "c"], ["d"]])])
async def test_keys_with_every_method_and_type_are_still_whole_and_pages_full(
    make_brand: MakeBrand, limit: int, pages: list[list[str]]
) -> None:
    """Each key at its most rows (4 methods x 9 types), more than a round asks for: statements are cut by rows,
    never a page's key, and a round short of keys is followed by another, so pages stay full."""
    brand = await make_brand()
    types = ["impression", "variant_select", "fulfilment_select", "add_to_cart", "checkout_start", "purchase",
             "hotspot_select", "suggestion_select", "repair_guide_open"]  # fmt: skip
    for p in ("a", "b", "c", "d"):
        batch = [EventIn(type=t, component="product-page", product=p, method=m, occurred_at=OCCURRED)  # type: ignore[arg-type]
                 for t in types for m in (None, "pickup", "courier", "made_to_order")]  # fmt: skip
        await service.record_events(brand.brand.id, EventBatch(events=batch), now=BASE + timedelta(minutes=30))
    assert report.rows_for(1) == 36 > report.ROWS_PER_KEY
    walked = await walk(brand.brand.id, BASE, BASE + timedelta(hours=2), limit)
    assert [sorted({g.product for g in page.groups}) for page in walked] == pages
    for page in walked:
        for product in {g.product for g in page.groups}:
            assert [g.method for g in page.groups if g.product == product] == [
                "pickup",
                "courier",
                "made_to_order",
                None,
            ]
    assert all(g.counts.purchase == 1 and g.counts.impression == 1 for page in walked for g in page.groups)


# --- over HTTP ------------------------------------------------------------------------------------


async def _shop_events(brand_id: uuid.UUID) -> None:
    batch = [EventIn(type=t, component=c, product=p, method="pickup" if t == "add_to_cart" else None,
                     occurred_at=OCCURRED)
             for c in ("buy-box", "product-page") for p in ("noa-micro-bag", "pia-tote", "zed")
             for t in ("impression", "add_to_cart")]  # fmt: skip
    await service.record_events(brand_id, EventBatch(events=batch), now=BASE + timedelta(minutes=10))


async def get_summary(client: httpx.AsyncClient, key: str, **params: str) -> httpx.Response:
    window = {"since": BASE.isoformat(), "until": (BASE + timedelta(hours=1)).isoformat()}
    return await client.get(SUMMARY, params=window | params, headers=auth(key))


async def test_filters_by_product_and_component_over_http(client: httpx.AsyncClient, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await _shop_events(brand.brand.id)

    by_product = await get_summary(client, brand.secret_key, product="pia-tote")
    assert by_product.status_code == 200, by_product.text
    body = by_product.json()
    assert [(g["component"], g["product"], g["method"]) for g in body["groups"]] == [
        ("buy-box", "pia-tote", "pickup"), ("buy-box", "pia-tote", None),
        ("product-page", "pia-tote", "pickup"), ("product-page", "pia-tote", None),
    ]  # fmt: skip
    assert body["has_more"] is False and body["next_cursor"] is None
    by_method = {t["method"]: t["counts"] for t in body["by_method"]}
    assert by_method["none"]["impression"] == 6  # the brand's totals, not the filtered groups'

    by_component = (await get_summary(client, brand.secret_key, component="buy-box", limit="2")).json()
    assert [g["product"] for g in by_component["groups"]] == ["noa-micro-bag"] * 2 + ["pia-tote"] * 2
    rest = (
        await get_summary(client, brand.secret_key, component="buy-box", limit="2", cursor=by_component["next_cursor"])
    ).json()
    assert [g["product"] for g in rest["groups"]] == ["zed", "zed"] and rest["next_cursor"] is None

    both = (await get_summary(client, brand.secret_key, component="product-page", product="zed")).json()
    assert [(g["component"], g["product"]) for g in both["groups"]] == [("product-page", "zed")] * 2
    nothing = (await get_summary(client, brand.secret_key, product="no-such-bag")).json()
    assert nothing["groups"] == [] and nothing["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"cursor": "!!!!"}, "query.cursor", id="not-base64"),
        pytest.param({"cursor": "WyJhIl0"}, "query.cursor", id="one-element"),  # ["a"]
        pytest.param({"cursor": "WyJBIiwiYiJd"}, "query.cursor", id="not-a-component"),  # ["A","b"]
        pytest.param({"cursor": "x" * 257}, "query.cursor", id="too-long"),
        pytest.param({"limit": "0"}, "query.limit", id="limit-0"),
        pytest.param({"limit": str(MAX_PAGE_KEYS + 1)}, "query.limit", id="limit-too-big"),
        pytest.param({"limit": "ten"}, "query.limit", id="limit-not-a-number"),
        pytest.param({"product": "Noa Bag"}, "query.product", id="bad-handle"),
        pytest.param({"component": "Buy_Box"}, "query.component", id="bad-component"),
    ],
)
async def test_bad_paging_parameters_are_problems(
    client: httpx.AsyncClient, make_brand: MakeBrand, params: dict[str, str], field: str
) -> None:
    """Like every other list's: a cursor or limit the API would not issue is 422 ``invalid_input``, never a 500."""
    brand = await make_brand()
    response = await get_summary(client, brand.secret_key, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert field in [e["field"] for e in problem["errors"]], problem


async def test_the_service_refuses_a_limit_out_of_range_too(make_brand: MakeBrand) -> None:
    brand = await make_brand()
    for limit in (0, MAX_PAGE_KEYS + 1):
        with pytest.raises(InvalidInput):
            await service.summary(brand.brand.id, limit=limit)


# --- bounded reads ------------------------------------------------------------------------------


async def _catalogue_of(brand_id: uuid.UUID, products: int) -> None:
    """``products`` products seen in every span of :data:`PLANNED`: both edge hours, the hours of both partial days
    and the whole day."""
    handles = [f"bag-{i:04d}" for i in range(products)]
    for minutes in (-1370, -600, 40, 200, 1530, 1640):  # raw edge, hours, day, day, hours, raw edge
        for start in range(0, products, 25):
            batch = [EventIn(type=t, component="product-page", product=h, method=m, occurred_at=OCCURRED)
                     for h in handles[start : start + 25]
                     for t, m in (("impression", None), ("add_to_cart", "courier"))]  # fmt: skip
            await service.record_events(brand_id, EventBatch(events=batch), now=BASE + timedelta(minutes=minutes))


# [30 April 00:30, 2 May 03:30): a raw edge, hours, the whole of 1 May, hours, a raw edge.
PLANNED = (BASE - timedelta(hours=23, minutes=30), BASE + timedelta(days=1, hours=3, minutes=30))


async def sqlite_plan(query: str, values: list[Any]) -> str:
    rows = await Tortoise.get_connection("default").execute_query_dict("EXPLAIN QUERY PLAN " + query, values)
    return "\n".join(row["detail"] for row in rows)


async def postgres_plan(query: str, values: list[Any]) -> str:
    """The plan PostgreSQL would use if it had to avoid sequential scans: proves an index serves the conditions."""
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        rows = await connection.execute_query_dict("EXPLAIN " + query, values)
    return "\n".join(row["QUERY PLAN"] for row in rows)


@pytest.mark.parametrize(
    ("filters", "index"),
    [({}, "brand_key"), ({"component": "product-page"}, "brand_key"), ({"product": "bag-0007"}, "brand_product")],
    ids=["all", "component", "product"],
)  # fmt: skip
async def test_a_page_is_a_few_statements_over_index_ranges_whatever_the_catalogue(
    backend: str, make_brand: MakeBrand, filters: dict[str, str], index: str
) -> None:
    small, large = (await make_brand()).brand.id, (await make_brand()).brand.id
    await _catalogue_of(small, 10)
    await _catalogue_of(large, 150)
    since, until = PLANNED

    statements: dict[uuid.UUID, list[list[tuple[str, list[Any]]]]] = {}
    for brand_id in (small, large):
        settled.clear()  # every statement a page makes, not what this process already keeps of a past window
        with recorded_queries() as first_seen:
            first = await service.summary(brand_id, since=since, until=until, limit=5, **filters)
        settled.clear()
        with recorded_queries() as next_seen:
            page = await service.summary(
                brand_id, since=since, until=until, limit=5, cursor=first.next_cursor, **filters
            )
        statements[brand_id] = [first_seen, next_seen]
        assert first.groups and (page.groups or filters)  # the product filter's one key is all on the first page
    # the page's sums and the totals, each from the day, the hours either side and the two edges: ten statements,
    # for 10 or 150
    for at in (0, 1):
        assert len(statements[large][at]) == len(statements[small][at]) <= 10, statements[large][at]

    for at, query, values in [(i, q, v) for i in (0, 1) for q, v in statements[large][i]]:
        fine = next((t for t in FINE_ROLLUPS if f'"{t}"' in query), None)
        if fine is not None:
            if backend == "sqlite":
                plan = await sqlite_plan(query, values)
                used = f"{fine}_{index}"
                assert f"USING COVERING INDEX {used} " in plan or f"USING INDEX {used} " in plan, (query, plan)
                assert "SCAN" not in plan, (query, plan)
                assert "TEMP B-TREE" not in plan, (query, plan)  # streamed in index order: it stops at the page's end
            else:
                plan = await postgres_plan(query, values)
                # Either key index is a range here; which one a planner without statistics picks is its own affair.
                assert re.search(rf"using {fine}_brand_(key|product) on", plan), (query, plan)
                index_cond = "".join(line for line in plan.splitlines() if "Index Cond:" in line)
                conditions = re.sub(r"\((\w+)\)::text|::text", r"\1", index_cond.replace('"', ""))
                bounded = {"": "ROW(component, product) > ROW(", "component": "(product > "}
                key = next(iter(filters), "")
                if key in bounded and at == 1:  # the cursor is where the index range starts
                    assert bounded[key] in conditions, (query, plan)
        elif '"analytics_event"' in query and backend == "sqlite":
            plan = await sqlite_plan(query, values)
            assert "analytics_event_brand_received" in plan and "SCAN" not in plan, (query, plan)
        elif '"analytics_method_rollup"' in query and backend == "sqlite":
            plan = await sqlite_plan(query, values)
            assert "(brand_id=? AND hour>? AND hour<?)" in plan and "SCAN" not in plan, (query, plan)
        elif '"analytics_method_daily_rollup"' in query and backend == "sqlite":
            plan = await sqlite_plan(query, values)
            assert "(brand_id=? AND day>? AND day<?)" in plan and "SCAN" not in plan, (query, plan)
    read = [{t for t in ANALYTICS_TABLES if f'"{t}"' in q} for q, _ in statements[large][1]]
    assert all(len(tables) == 1 for tables in read), read  # one table a statement, and only these
    assert set().union(*read) == set(ANALYTICS_TABLES), read


async def test_the_database_orders_keys_as_python_does(backend: str, make_brand: MakeBrand) -> None:
    """Pages are cut in SQL and merged in Python: both must order handles bytewise (PostgreSQL: collation "C")."""
    brand = await make_brand()
    handles = ["piatote", "pia-tote", "piat", "pia", "pia-0"]
    batch = [EventIn(type="impression", component="product-page", product=h, occurred_at=OCCURRED) for h in handles]
    await service.record_events(brand.brand.id, EventBatch(events=batch), now=BASE)
    connection = Tortoise.get_connection("default")
    mark = "$1" if backend == "postgres" else "?"
    brand_param: Any = brand.brand.id if backend == "postgres" else str(brand.brand.id)
    for table in (*FINE_ROLLUPS, "analytics_event"):
        rows = await connection.execute_query_dict(
            f'SELECT DISTINCT "product" FROM "{table}" WHERE "brand_id" = {mark} ORDER BY "product"',  # noqa: S608
            [brand_param],
        )
        assert [r["product"] for r in rows] == sorted(handles), table
    if backend == "postgres":  # whatever the database's own locale
        rows = await connection.execute_query_dict(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND table_name IN ('analytics_rollup', 'analytics_daily_rollup', 'analytics_event') "
            "AND column_name IN ('component', 'product')"
        )
        assert len(rows) == 6 and {r["collation_name"] for r in rows} == {"C"}, rows


# --- settled periods ----------------------------------------------------------------------------


async def test_a_past_window_read_again_reads_only_its_live_edges_and_answers_the_same(make_brand: MakeBrand) -> None:
    """Whole hours and days that are over never change: a second read takes them from the process, not the database."""
    brand_id = (await make_brand()).brand.id
    await _catalogue_of(brand_id, 30)
    since, until = PLANNED
    settled.clear()
    with recorded_queries() as first_seen:
        first = await service.summary(brand_id, since=since, until=until, limit=5)
    with recorded_queries() as again_seen:
        again = await service.summary(brand_id, since=since, until=until, limit=5)
    assert msgspec.to_builtins(again) == msgspec.to_builtins(first)
    rollup_reads = [q for q, _ in again_seen if "rollup" in q]
    assert rollup_reads == [], rollup_reads
    assert 0 < len(again_seen) < len(first_seen)  # the raw edges, read each time


async def test_events_recorded_into_a_settled_period_are_counted_on_the_next_read(make_brand: MakeBrand) -> None:
    """An injected clock can write into a past hour; the process forgets what it kept for the brand."""
    brand_id = (await make_brand()).brand.id
    await _catalogue_of(brand_id, 3)
    since, until = PLANNED
    before = await service.summary(brand_id, since=since, until=until)
    batch = [EventIn(type="impression", component="product-page", product="bag-0000", occurred_at=OCCURRED)]
    await service.record_events(brand_id, EventBatch(events=batch), now=BASE + timedelta(minutes=300))
    after = await service.summary(brand_id, since=since, until=until)
    assert sum(m.counts.impression for m in after.by_method) == sum(m.counts.impression for m in before.by_method) + 1


def test_the_default_window_is_cut_where_today_begins_and_today_is_read_by_hours() -> None:
    now = datetime(2026, 5, 20, 14, 7, tzinfo=UTC)
    spans = settled.split(
        service.rollups.spans_of(datetime(2026, 4, 21, tzinfo=UTC), datetime(2026, 5, 21, tzinfo=UTC)), now
    )
    assert [(s.start.isoformat(), s.end.isoformat(), s.grain) for s in spans] == [
        ("2026-04-21T00:00:00+00:00", "2026-05-01T00:00:00+00:00", "day"),
        ("2026-05-01T00:00:00+00:00", "2026-05-20T00:00:00+00:00", "day"),
        ("2026-05-20T00:00:00+00:00", "2026-05-21T00:00:00+00:00", "hour"),
    ]


def test_just_after_midnight_yesterday_is_live_too_each_day_its_own_partition() -> None:
    now = datetime(2026, 5, 20, 0, 2, tzinfo=UTC)  # within SETTLE of midnight: yesterday is not settled yet
    spans = settled.split(
        service.rollups.spans_of(datetime(2026, 4, 21, tzinfo=UTC), datetime(2026, 5, 21, tzinfo=UTC)), now
    )
    assert [(s.start.isoformat(), s.end.isoformat(), s.grain) for s in spans][-2:] == [
        ("2026-05-19T00:00:00+00:00", "2026-05-20T00:00:00+00:00", "hour"),
        ("2026-05-20T00:00:00+00:00", "2026-05-21T00:00:00+00:00", "hour"),
    ]
    assert all(s.partition == service.rollups.day_of(s.start) for s in spans if s.grain == "hour")
