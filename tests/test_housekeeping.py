"""Housekeeping: expired idempotency records and abandoned carts are purged, expired intent-less holds released.

The test database is shared by the whole session (and, on PostgreSQL, by every test), so each
test here runs its purges at ``now``, an instant long before any other test's rows: only the
rows a test back-dates before ``now`` are old enough to go, and the counts can be exact.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from storefront import housekeeping
from storefront.analytics.models import AnalyticsEvent
from storefront.api import purge
from storefront.api.idempotency import RETENTION
from storefront.api.models import IdempotencyRecord
from storefront.cart import service as cart_service
from storefront.cart.models import Cart, CartLine
from storefront.checkout.schemas import CheckoutIn
from storefront.checkout.service import place_order
from storefront.clock import utcnow
from storefront.housekeeping import HousekeepingReport, expire_stale_holds, housekeeping_forever, run_once
from storefront.orders.models import Order
from storefront.payments.fake import FakeGateway
from storefront.settings import Settings, SettingsError
from storefront.tenancy.schemas import CreatedBrand
from tests.checkout.conftest import cart_with, levels
from tests.commerce import Shop, add, courier, new_cart, open_shop
from tests.conftest import MakeBrand
from tests.test_settings_cli import assert_one_line_failure, run_cli

_YEARS = itertools.count(2001, -5)


@pytest.fixture
def now() -> datetime:
    """An instant before every row of the session: other tests' rows, and this module's earlier tests' (each
    test's instant is five years before the previous one's; no test seeds rows more than 400 days away)."""
    return datetime(next(_YEARS), 6, 1, 12, 0, 0, 123456, tzinfo=UTC)


def fake_gateway() -> FakeGateway:
    return FakeGateway(namespace=f"hk{uuid.uuid4().hex[:8]}")


# --- idempotency records -----------------------------------------------------------------------


async def record(brand: CreatedBrand, created_at: datetime, *, status_code: int | None = 201) -> uuid.UUID:
    row = await IdempotencyRecord.create(
        brand_id=brand.brand.id,
        key=f"hk-{uuid.uuid4()}",
        method="POST",
        path="/v1/products",
        request_hash="0" * 64,
        status_code=status_code,
        response_body=b"{}" if status_code else None,
    )
    await IdempotencyRecord.filter(id=row.id).update(created_at=created_at)
    return row.id


async def surviving(ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(await IdempotencyRecord.filter(id__in=ids).values_list("id", flat=True))  # type: ignore[arg-type]


async def test_idempotency_records_past_the_ttl_go_and_newer_ones_stay(now: datetime, brand: CreatedBrand) -> None:
    old = [
        await record(brand, now - RETENTION - timedelta(minutes=1)),
        await record(brand, now - timedelta(days=40)),
        await record(brand, now - timedelta(days=2), status_code=None),  # a claim left by a crashed request
    ]
    new = [
        await record(brand, now - RETENTION + timedelta(minutes=1)),
        await record(brand, now - timedelta(minutes=5), status_code=None),  # a request still running
        await record(brand, now + timedelta(days=1)),
    ]
    assert await purge.purge_idempotency_records(now) == 3
    assert await surviving(old + new) == set(new)
    assert await purge.purge_idempotency_records(now) == 0  # idempotent


async def test_idempotency_ttl_is_the_callers(now: datetime, brand: CreatedBrand) -> None:
    two_days = await record(brand, now - timedelta(days=2))
    assert await purge.purge_idempotency_records(now, timedelta(days=3)) == 0
    assert await purge.purge_idempotency_records(now, timedelta(days=1)) == 1
    assert await surviving([two_days]) == set()


class CountingTransactions:
    """Wraps ``in_transaction`` to count the transactions a purge opens."""

    def __init__(self, real: Any) -> None:
        self.real, self.opened = real, 0

    def __call__(self, *args: Any, **kwargs: Any) -> AbstractAsyncContextManager[Any]:
        self.opened += 1
        return self.real(*args, **kwargs)  # type: ignore[no-any-return]


async def test_idempotency_purge_loops_over_bounded_batches(
    now: datetime, brand: CreatedBrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "BATCH_SIZE", 2)
    transactions = CountingTransactions(purge.in_transaction)
    monkeypatch.setattr(purge, "in_transaction", transactions)
    old = [await record(brand, now - timedelta(days=3, minutes=i)) for i in range(5)]
    new = await record(brand, now - timedelta(hours=1))
    assert await purge.purge_idempotency_records(now) == 5
    assert transactions.opened == 4  # 2 + 2 + 1, then an empty select
    assert await surviving([*old, new]) == {new}


# --- carts -------------------------------------------------------------------------------------


@pytest.fixture
async def shop(client: httpx.AsyncClient, make_brand: MakeBrand) -> Shop:
    return await open_shop(client, make_brand)


async def back_date(cart_id: str | uuid.UUID, updated_at: datetime, *, status: str | None = None) -> None:
    fields: dict[str, Any] = {"updated_at": updated_at}
    if status is not None:
        fields["status"] = status
    await Cart.filter(id=cart_id).update(**fields)


async def existing(ids: list[str]) -> set[str]:
    return {str(i) for i in await Cart.filter(id__in=ids).values_list("id", flat=True)}


async def test_open_carts_untouched_past_the_ttl_go_with_their_lines(
    now: datetime, client: httpx.AsyncClient, shop: Shop
) -> None:
    abandoned = await cart_with(client, shop, shop.sku, 2)
    assert (await add(client, shop, abandoned, shop.other_sku, fulfilment=courier())).status_code == 201
    empty_abandoned = await new_cart(client, shop)
    checked_out = await new_cart(client, shop)
    recent = await cart_with(client, shop, shop.sku)
    await back_date(abandoned, now - timedelta(days=30, minutes=1))
    await back_date(empty_abandoned, now - timedelta(days=400))
    await back_date(checked_out, now - timedelta(days=400), status="checked_out")
    await back_date(recent, now - timedelta(days=29, hours=23))
    assert await CartLine.filter(cart_id=abandoned).count() == 2

    assert await cart_service.purge_abandoned_carts(now) == 2
    assert await existing([abandoned, empty_abandoned, checked_out, recent]) == {checked_out, recent}
    assert await CartLine.filter(cart_id=abandoned).count() == 0  # cascaded
    assert await CartLine.filter(cart_id=recent).count() == 1
    assert await cart_service.purge_abandoned_carts(now) == 0


async def test_cart_purge_loops_over_bounded_batches(
    now: datetime, client: httpx.AsyncClient, brand: CreatedBrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cart_service, "PURGE_BATCH_SIZE", 2)
    transactions = CountingTransactions(cart_service.in_transaction)
    monkeypatch.setattr(cart_service, "in_transaction", transactions)
    old = [str((await Cart.create(brand_id=brand.brand.id, currency="GBP")).id) for _ in range(5)]
    kept = str((await Cart.create(brand_id=brand.brand.id, currency="GBP")).id)
    for i, cart in enumerate(old):
        await back_date(cart, now - timedelta(days=31 + i))
    await back_date(kept, now - timedelta(days=1))
    assert await cart_service.purge_abandoned_carts(now, timedelta(days=30)) == 5
    assert transactions.opened == 4
    assert await existing([*old, kept]) == {kept}


# --- expired holds -----------------------------------------------------------------------------


async def pending_order(client: httpx.AsyncClient, shop: Shop, hold_expires_at: datetime) -> Order:
    """A placed, unpaid order holding one unit at the shop, with no payment intent (as with payments off)."""
    cart = await cart_with(client, shop, shop.sku)
    order = await place_order(
        shop.brand.brand.id,
        uuid.UUID(cart),
        CheckoutIn(email="ada@example.com", name="Ada"),
        hold=timedelta(minutes=30),
        now=utcnow(),
    )
    await Order.filter(id=order.id).update(hold_expires_at=hold_expires_at)
    return await Order.get(id=order.id)


async def statuses(orders: list[Order]) -> list[str]:
    return [(await Order.get(id=o.id)).status for o in orders]


async def test_expired_holds_without_an_intent_are_cancelled_and_their_stock_released(
    now: datetime, client: httpx.AsyncClient, shop: Shop
) -> None:
    expired = await pending_order(client, shop, now - timedelta(minutes=1))
    on_time = await pending_order(client, shop, now + timedelta(minutes=10))
    with_intent = await pending_order(client, shop, now - timedelta(hours=1))
    await Order.filter(id=with_intent.id).update(payment_intent=f"pi_hk_{uuid.uuid4().hex}")
    assert (await levels(client, shop, shop.sku))["market-street"] == (5, 3)

    gateway = fake_gateway()
    assert await expire_stale_holds(now, gateway) == 1
    assert await statuses([expired, on_time, with_intent]) == ["cancelled", "pending_payment", "pending_payment"]
    cancelled = await Order.get(id=expired.id)
    assert cancelled.cancel_reason == "hold_expired"
    assert (await levels(client, shop, shop.sku))["market-street"] == (5, 2)
    assert gateway.calls == []  # no provider call: safe with payments off
    assert await expire_stale_holds(now, gateway) == 0


async def test_expiry_pages_through_and_one_failing_order_stops_nothing(
    now: datetime,
    client: httpx.AsyncClient,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(housekeeping, "HOLD_PAGE_SIZE", 1)
    orders = [await pending_order(client, shop, now - timedelta(minutes=10 - i)) for i in range(3)]
    real_expire = housekeeping.expire

    async def expire_but_the_first(order: Order, *args: Any, **kwargs: Any) -> None:
        if order.id == orders[0].id:
            raise RuntimeError("boom")
        await real_expire(order, *args, **kwargs)

    monkeypatch.setattr(housekeeping, "expire", expire_but_the_first)
    with caplog.at_level(logging.ERROR, logger="stallkit.housekeeping"):
        assert await expire_stale_holds(now, fake_gateway()) == 2
    assert await statuses(orders) == ["pending_payment", "cancelled", "cancelled"]
    assert f"could not expire order {orders[0].id}" in caplog.text

    monkeypatch.setattr(housekeeping, "expire", real_expire)
    assert await expire_stale_holds(now, fake_gateway()) == 1  # retried next pass
    assert await statuses(orders) == ["cancelled"] * 3


# --- one pass, and the loop ---------------------------------------------------------------------


async def test_run_once_reports_each_step(
    now: datetime, client: httpx.AsyncClient, shop: Shop, database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await record(shop.brand, now - timedelta(hours=25))
    await record(shop.brand, now - timedelta(hours=23))
    abandoned = await new_cart(client, shop)
    await back_date(abandoned, now - timedelta(days=31))
    expired = await pending_order(client, shop, now - timedelta(seconds=1))
    for age in (timedelta(days=database.analytics_retention_days, hours=1), timedelta(days=1)):
        event = await AnalyticsEvent.create(
            brand_id=shop.brand.brand.id, type="impression", component="product_page", product="p", occurred_at=now
        )
        await AnalyticsEvent.filter(id=event.id).update(received_at=now - age)

    report = await run_once(database, fake_gateway(), now)
    assert report == HousekeepingReport(
        idempotency_records_deleted=1, carts_deleted=1, holds_expired=1, analytics_events_deleted=1
    )
    assert await statuses([expired]) == ["cancelled"]
    assert await run_once(database, fake_gateway(), now) == HousekeepingReport()

    # A failing step is named and logged; the others still run.
    async def broken(*_: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(housekeeping, "purge_abandoned_carts", broken)
    await record(shop.brand, now - timedelta(hours=25))
    report = await run_once(database, fake_gateway(), now)
    assert report == HousekeepingReport(idempotency_records_deleted=1, failed=["carts_deleted"])


async def test_run_once_uses_the_configured_ttls(now: datetime, brand: CreatedBrand, database: Settings) -> None:
    three_days = await record(brand, now - timedelta(days=3))
    cart = await Cart.create(brand_id=brand.brand.id, currency="GBP")
    await back_date(cart.id, now - timedelta(days=10))
    longer = msgspec.structs.replace(database, idempotency_ttl_hours=96, cart_ttl_days=11)
    assert await run_once(longer, fake_gateway(), now) == HousekeepingReport()
    shorter = msgspec.structs.replace(database, idempotency_ttl_hours=48, cart_ttl_days=9)
    assert await run_once(shorter, fake_gateway(), now) == HousekeepingReport(
        idempotency_records_deleted=1, carts_deleted=1
    )
    assert await surviving([three_days]) == set()


async def test_the_loop_survives_a_failed_pass(
    database: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    passes: list[int] = []
    second = asyncio.Event()

    async def flaky(*_: Any) -> HousekeepingReport:
        passes.append(len(passes))
        if len(passes) == 1:
            raise RuntimeError("database went away")
        second.set()
        return HousekeepingReport()

    monkeypatch.setattr(housekeeping, "run_once", flaky)
    settings = msgspec.structs.replace(database, housekeeping_interval_s=1)
    with caplog.at_level(logging.ERROR, logger="stallkit.housekeeping"):
        task = asyncio.create_task(housekeeping_forever(settings, fake_gateway()))
        try:
            await asyncio.wait_for(second.wait(), timeout=10)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    assert len(passes) >= 2
    assert "housekeeping pass failed" in caplog.text


# --- settings ----------------------------------------------------------------------------------


def test_housekeeping_settings_defaults_and_environment() -> None:
    defaults = Settings.from_env({})
    assert (defaults.idempotency_ttl_hours, defaults.cart_ttl_days, defaults.housekeeping_interval_s) == (24, 30, 300)
    configured = Settings.from_env(
        {
            "STALLKIT_IDEMPOTENCY_TTL_HOURS": "48",
            "STALLKIT_CART_TTL_DAYS": "7",
            "STALLKIT_HOUSEKEEPING_INTERVAL_S": "0",
        }
    )
    assert (configured.idempotency_ttl_hours, configured.cart_ttl_days, configured.housekeeping_interval_s) == (
        48,
        7,
        0,
    )


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("STALLKIT_IDEMPOTENCY_TTL_HOURS", "23"),  # shorter than the replay window the middleware promises
        ("STALLKIT_IDEMPOTENCY_TTL_HOURS", "721"),
        ("STALLKIT_IDEMPOTENCY_TTL_HOURS", "1.5"),
        ("STALLKIT_CART_TTL_DAYS", "0"),
        ("STALLKIT_CART_TTL_DAYS", "3651"),
        ("STALLKIT_CART_TTL_DAYS", "a month"),
        ("STALLKIT_HOUSEKEEPING_INTERVAL_S", "-1"),
        ("STALLKIT_HOUSEKEEPING_INTERVAL_S", str(24 * 3600 + 1)),
    ],
)
def test_housekeeping_settings_are_validated(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: raw})
    message = str(caught.value)
    assert variable in message and "\n" not in message and "$." not in message


# --- the CLI, as a subprocess against a temporary SQLite database ----------------------------


def _stamp(at: datetime) -> str:
    """A timestamp as Tortoise writes it to SQLite."""
    return at.astimezone(UTC).isoformat(sep=" ")


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {"STALLKIT_DATA_DIR": str(tmp_path / "data")}


def test_cli_housekeeping_runs_one_pass_and_prints_its_report(tmp_path: Path, cli_env: dict[str, str]) -> None:
    assert run_cli("migrate", env=cli_env, cwd=tmp_path).returncode == 0
    created = run_cli("brand", "create", "Housekeeper", env=cli_env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    now = datetime.now(UTC)
    database = tmp_path / "data" / "stallkit.sqlite3"
    with sqlite3.connect(database) as conn:
        (brand_id,) = conn.execute("SELECT id FROM brand").fetchone()
        records = {"old": now - timedelta(hours=25), "new": now - timedelta(hours=23)}
        for key, at in records.items():
            conn.execute(
                "INSERT INTO idempotency_record (id, brand_id, key, method, path, request_hash, status_code,"
                " content_type, response_body, created_at) VALUES (?, ?, ?, 'POST', '/v1/carts', ?, 201, '', x'', ?)",
                (str(uuid.uuid4()), brand_id, key, "0" * 64, _stamp(at)),
            )
        carts = {
            "abandoned": ("open", now - timedelta(days=31)),
            "recent": ("open", now - timedelta(days=29)),
            "checked_out": ("checked_out", now - timedelta(days=300)),
        }
        cart_ids = {name: str(uuid.uuid4()) for name in carts}
        for name, (status, at) in carts.items():
            conn.execute(
                "INSERT INTO cart (id, brand_id, currency, status, created_at, updated_at)"
                " VALUES (?, ?, 'GBP', ?, ?, ?)",
                (cart_ids[name], brand_id, status, _stamp(at), _stamp(at)),
            )
    conn.close()

    result = run_cli("housekeeping", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout) == {
        "idempotency_records_deleted": 1,
        "carts_deleted": 1,
        "holds_expired": 0,
        "analytics_events_deleted": 0,
        "credit_lots_expired": 0,
        "event_holds_released": 0,
        "failed": [],
    }
    with sqlite3.connect(database) as conn:
        keys = {row[0] for row in conn.execute("SELECT key FROM idempotency_record")}
        left = {row[0] for row in conn.execute("SELECT id FROM cart")}
    conn.close()
    assert keys == {"new"}
    assert left == {cart_ids["recent"], cart_ids["checked_out"]}

    again = run_cli("housekeeping", env=cli_env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["carts_deleted"] == 0


def test_cli_housekeeping_before_migrate_is_exit_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    assert_one_line_failure(run_cli("housekeeping", env=cli_env, cwd=tmp_path), "migrate")


def test_cli_housekeeping_bad_setting_is_exit_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "STALLKIT_CART_TTL_DAYS": "0"}
    assert_one_line_failure(run_cli("housekeeping", env=env, cwd=tmp_path), "STALLKIT_CART_TTL_DAYS")
