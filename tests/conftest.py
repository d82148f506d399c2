"""Shared fixtures: the database (SQLite by default, PostgreSQL when asked), the app, a client, brands.

Tests isolate by tenancy: each test makes its own brands, so nothing needs truncating and
the suite runs the same on a shared PostgreSQL database.

- ``STALLKIT_TEST_DATABASE_URL=postgres://...``: run on PostgreSQL (a fresh database is
  created beside the one named, and dropped afterwards).
- ``CI=true``: a PostgreSQL URL that cannot be reached fails the run; nothing is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront import db
from storefront.app import create_app
from storefront.orders import kpi_counters
from storefront.settings import Secret, Settings
from storefront.tenancy import Brand
from storefront.tenancy import service as tenancy
from storefront.tenancy.schemas import CreatedBrand, NewBrand

pytest_plugins = ["tests.stripe_server"]

TEST_SECRET = Secret("t" * 48)
# Links point where the test client calls (``http://testserver``). The whole suite calls from one
# client address, so the rate limits are off here; tests/api/test_rate_limits.py turns them on.
# For the same reason one "shopper" checks out for the whole crowd: the cap on unpaid checkouts
# per shopper is lifted too, and tests/checkout/test_unpaid_cap.py puts it back.
EDGE = {
    "public_url": "http://testserver",
    "unpaid_checkouts_per_shopper": 1000,
    **{name: "" for name in Settings.__struct_fields__ if name.startswith("rate_limit_") and "storage" not in name},
}


def _postgres_url() -> str | None:
    return os.environ.get("STALLKIT_TEST_DATABASE_URL") or None


async def _create_pg_database(base_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"stallkit_test_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(base_url)
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(parts._replace(path=f"/{name}")), name


async def _drop_pg_database(base_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgres" if _postgres_url() else "sqlite"


@pytest_asyncio.fixture(scope="session")
async def settings(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Settings]:
    data_dir = tmp_path_factory.mktemp("stallkit")
    base = _postgres_url()
    if base:
        try:
            url, name = await _create_pg_database(base)
        except Exception as exc:  # CI must fail loudly; a laptop without PostgreSQL too: it asked for it
            pytest.exit(f"STALLKIT_TEST_DATABASE_URL is set but PostgreSQL is unusable: {exc}", returncode=3)
        yield Settings(database_url=url, data_dir=str(data_dir), secret=TEST_SECRET, db_pool_max=20, **EDGE)
        await _drop_pg_database(base, name)
    else:
        yield Settings(
            database_url=f"sqlite://{Path(data_dir) / 'test.sqlite3'}",
            data_dir=str(data_dir),
            secret=TEST_SECRET,
            **EDGE,
        )


@pytest_asyncio.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """A migrated database with the ORM open for the whole session."""
    await db.migrate(settings)
    await db.open_database(settings)
    yield settings
    await db.close_database()


@pytest_asyncio.fixture(scope="session")
async def app(database: Settings) -> Litestar:
    return create_app(database, plugins=[ComponentsPlugin()], manage_database=False)


@pytest_asyncio.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in-process.

    httpx's ASGI transport runs the app on the test's own event loop; Litestar's
    ``AsyncTestClient`` runs it on a portal thread's loop, which the ORM's pooled connections
    (made on the session loop) cannot be used from.
    """
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


MakeBrand = Callable[..., Awaitable[CreatedBrand]]


@pytest_asyncio.fixture
async def make_brand(database: Settings) -> AsyncIterator[MakeBrand]:
    """``await make_brand(name=..., currency=..., allowed_origins=[...])``: a new brand with fresh keys.

    When the test ends, each brand's running KPI counters must equal what its orders add up to:
    every test that moves an order also checks that the move was counted, exactly once.
    """
    made: list[uuid.UUID] = []

    async def make(name: str | None = None, **fields: object) -> CreatedBrand:
        label = name or f"Test Brand {uuid.uuid4().hex[:8]}"
        created = await tenancy.create_brand(NewBrand(name=label, **fields))  # type: ignore[arg-type]
        made.append(created.brand.id)
        return created

    yield make
    for brand_id in made:
        if await Brand.exists(id=brand_id):
            assert await kpi_counters.read(brand_id) == await kpi_counters.recompute(brand_id), "KPI counters drifted"


@pytest_asyncio.fixture
async def brand(make_brand: MakeBrand) -> CreatedBrand:
    return await make_brand()


def auth(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **extra}
