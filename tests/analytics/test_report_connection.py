"""Reports read through a connection of their own on SQLite: they neither wait behind nor hold up other requests."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import Tortoise
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from storefront import db
from storefront.analytics import service
from storefront.analytics.schemas import EventBatch, EventIn
from storefront.clock import utcnow
from tests.conftest import MakeBrand


async def test_a_summary_answers_while_another_request_holds_the_main_connection(
    backend: str, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    now = utcnow()
    event = EventIn(type="impression", component="product-page", product="noa", occurred_at=now)
    await service.record_events(brand.brand.id, EventBatch(events=[event]))
    opened, done = asyncio.Event(), asyncio.Event()

    async def slow_request() -> None:  # on SQLite its transaction holds the one main connection's lock
        async with in_transaction() as held:
            await held.execute_query('SELECT 1 FROM "brand"')
            opened.set()
            await done.wait()

    holder = asyncio.create_task(slow_request())
    await opened.wait()
    try:
        summary = await asyncio.wait_for(service.summary(brand.brand.id), timeout=5)
    finally:
        done.set()
        await holder
    assert [g.counts.impression for g in summary.groups] == [1]


async def test_the_sqlite_reader_is_its_own_read_only_connection(backend: str) -> None:
    if backend != "sqlite":
        assert db.report_connection() is Tortoise.get_connection("default")  # the pool serves reports
        return
    reader = db.report_connection()
    assert reader is not Tortoise.get_connection("default")
    with pytest.raises(OperationalError, match="readonly"):
        await reader.execute_query('DELETE FROM "brand"')
