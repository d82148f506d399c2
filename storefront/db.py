"""Database wiring: one Tortoise app (``stallkit``) over SQLite or PostgreSQL.

Tortoise 1.x binds connections to a context; Litestar handlers run outside the context that
``Tortoise.init`` made, so we enable the global fallback (see the project README's
architecture notes). On SQLite Tortoise holds one connection for the process, so the app
runs a single worker there; PostgreSQL is the scale-out path.

Long reports take :func:`report_connection` instead of the default one. On a SQLite file that is
a second connection, read-only (``query_only``) and in its own thread: WAL lets it read while the
main connection writes, so a report neither waits behind every other request nor holds them up.
It sees what is committed, which is all a report asks for. One is enough: measured with 8
concurrent summaries at 1M events, one reader served 80 a second, two 62 and four 54 (SQLite's
own locking and the GIL, not the disk, are what more readers contend for). On PostgreSQL the
pool already gives each query a connection, so a report takes the default one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]  # Tortoise's PostgreSQL driver, without stubs
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.migrations.api import migrate as migrate_api

from storefront.settings import Settings

MODEL_MODULES = [
    "storefront.tenancy.models",
    "storefront.catalog.models",
    "storefront.inventory.models",
    "storefront.lookbooks.models",
    "storefront.api.models",
    "storefront.analytics.models",
    "storefront.fulfilment.models",
    "storefront.cart.models",
    "storefront.orders.models",
    "storefront.payments.models",
    "storefront.credits.models",
    "storefront.events.models",
    "storefront.backoffice.models",
]


# The SQLite reader (see the module's docstring): made here, not registered with Tortoise, whose
# ``in_transaction()`` would otherwise have to be told which connection every time.
_reader: SqliteClient | None = None


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg has no stubs
    """A PostgreSQL connection that goes back to the pool without a round trip to the server.

    By default asyncpg sends ``RESET ALL; CLOSE ALL; UNLISTEN *; pg_advisory_unlock_all()`` each
    time a connection is released, which on this app is one round trip in every three or four a
    write sends (every transaction and every query outside one takes and releases a connection).
    The app keeps no session state: it never sets a session variable, opens a cursor beyond a
    statement, listens or takes an advisory lock, so there is nothing to reset. asyncpg still
    rolls back a transaction left open, whatever this returns.
    """

    def get_reset_query(self) -> str:
        return ""


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or opened; the message is one line."""


def tortoise_config(database_url: str, *, pool_max: int = 10) -> dict[str, Any]:
    """The Tortoise config dict for a ``sqlite://`` or ``postgres://`` URL."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        credentials: dict[str, Any] = {"file_path": path, "journal_mode": "WAL", "synchronous": "NORMAL"}
        connection: dict[str, Any] = {"engine": "tortoise.backends.sqlite", "credentials": credentials}
    else:
        parts = urlsplit(database_url)
        connection = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": parts.path.lstrip("/") or "postgres",
                "minsize": 1,
                "maxsize": pool_max,
                "connection_class": PooledConnection,
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {
            "stallkit": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "storefront.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings) -> None:
    """Connect and check the schema is migrated; raise :class:`DatabaseUnavailable` if not."""
    global _reader
    config = tortoise_config(settings.database_url, pool_max=settings.db_pool_max)
    try:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # any driver error means the same thing to an operator
        await close_database()
        raise DatabaseUnavailable(f"cannot open database {redact(settings.database_url)}: {_one_line(exc)}") from None
    credentials = config["connections"]["default"]["credentials"]
    if settings.is_sqlite and credentials["file_path"] != ":memory:":  # another :memory: is another database
        _reader = SqliteClient(connection_name="reports", query_only="ON", **credentials)


def report_connection() -> BaseDBAsyncClient:
    """The connection a long read-only report runs on: the reader on SQLite, the default (a pool) on PostgreSQL."""
    return _reader or Tortoise.get_connection("default")


async def close_database() -> None:
    global _reader
    if _reader is not None:
        await _reader.close()
        _reader = None
    await Tortoise.close_connections()


async def migrate(settings: Settings) -> None:
    """Apply every committed migration (Tortoise's own migration tool)."""
    config = tortoise_config(settings.database_url, pool_max=settings.db_pool_max)
    try:
        await migrate_api(config=config)
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot migrate {redact(settings.database_url)}: {_one_line(exc)}") from None
    finally:
        await Tortoise.close_connections()


def redact(database_url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    parts = urlsplit(database_url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return database_url


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
