"""The till store's schema, as numbered migrations tracked by ``PRAGMA user_version``.

A till may sit in a drawer between events with unsynced sales on it, then be updated: opening it
with newer code must upgrade the file in place and keep every pending entry. Each migration runs
in its own transaction with the version bump, so a crash mid-upgrade leaves the previous version,
never half of the next one. A file newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from popup.store.errors import StoreTooNew


class Migration(NamedTuple):
    number: int
    purpose: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "the journal, each device's sequence and sync cursor, sync status, and the till's stock levels",
        (
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
            # Survives reset(): a device's sequence numbers are never handed out twice.
            """CREATE TABLE devices (
                device_id TEXT PRIMARY KEY,
                last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
                acked_seq INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0 AND acked_seq <= last_seq)
            ) STRICT""",
            """CREATE TABLE journal (
                id TEXT PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES devices (device_id),
                seq INTEGER NOT NULL CHECK (seq >= 1),
                occurred_at TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                synced_at TEXT,
                UNIQUE (device_id, seq)
            ) STRICT""",
            """CREATE TABLE sync_state (
                singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                last_sync_at TEXT,
                last_error TEXT,
                last_error_at TEXT
            ) STRICT""",
            "INSERT INTO sync_state (singleton) VALUES (1)",
            "CREATE TABLE stock (sku TEXT PRIMARY KEY, quantity INTEGER NOT NULL) STRICT",
        ),
    ),
    Migration(
        2,
        "export files written (and which entries each held) and export files imported",
        (
            """CREATE TABLE exports (
                id INTEGER PRIMARY KEY,
                file_name TEXT NOT NULL,
                exported_at TEXT NOT NULL,
                entries INTEGER NOT NULL,
                checksum TEXT NOT NULL
            ) STRICT""",
            """CREATE TABLE exported_entries (
                export_id INTEGER NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
                entry_id TEXT NOT NULL REFERENCES journal (id) ON DELETE CASCADE,
                PRIMARY KEY (export_id, entry_id)
            ) STRICT""",
            "CREATE INDEX exported_entries_by_entry ON exported_entries (entry_id)",
            """CREATE TABLE imports (
                id INTEGER PRIMARY KEY,
                file_name TEXT NOT NULL,
                imported_at TEXT NOT NULL,
                checksum TEXT NOT NULL,
                entries INTEGER NOT NULL,
                added INTEGER NOT NULL
            ) STRICT""",
        ),
    ),
    # The till app's own state (popup/till/state.py). Rows that belong to a journal entry point at
    # it, deferred (the entry is inserted after the action's rows, in the same transaction) and
    # cascading, so reset() clears them with the journal. Counters do not point at the journal and
    # survive a reset: a receipt number is never handed out twice.
    Migration(
        3,
        "the till app: sales by entry, idempotency keys, credit taken per code, running counters",
        (
            """CREATE TABLE till_sales (
                entry_id TEXT PRIMARY KEY REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                number TEXT NOT NULL UNIQUE,
                occurred_at TEXT NOT NULL,
                total INTEGER NOT NULL CHECK (total >= 0),
                voided_by TEXT REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
            ) STRICT""",
            """CREATE TABLE till_idempotency (
                scope TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                entry_id TEXT NOT NULL REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                PRIMARY KEY (scope, key)
            ) STRICT""",
            """CREATE TABLE till_credit_uses (
                entry_id TEXT NOT NULL REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                lookup TEXT NOT NULL,
                amount INTEGER NOT NULL,
                PRIMARY KEY (entry_id, lookup)
            ) STRICT""",
            "CREATE INDEX till_credit_uses_by_lookup ON till_credit_uses (lookup)",
            """CREATE TABLE till_counters (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL CHECK (value >= 0)
            ) STRICT""",
            # The status bar is on every page: count what waits without reading what already synced.
            "CREATE INDEX journal_unsynced ON journal (occurred_at) WHERE synced_at IS NULL",
        ),
    ),
    # The till's other actions (popup/till/returns.py, trade_in.py, counts.py), pointing at their
    # entries like migration 3's rows do. A return (or an exchange's returned part) names its sale,
    # so what came back already and what was refunded are read by key; a credit issued here is
    # kept by its offline lookup (never the code), spent through till_credit_uses like a pack's.
    Migration(
        4,
        "the till's returns by sale, credits issued at the till, and cash-ups",
        (
            """CREATE TABLE till_returns (
                entry_id TEXT PRIMARY KEY REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                sale_id TEXT NOT NULL REFERENCES till_sales (entry_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                number TEXT NOT NULL UNIQUE,
                refunded INTEGER NOT NULL CHECK (refunded >= 0),
                cash_refunded INTEGER NOT NULL CHECK (cash_refunded >= 0)
            ) STRICT""",
            "CREATE INDEX till_returns_by_sale ON till_returns (sale_id)",
            """CREATE TABLE till_issued_credits (
                lookup TEXT PRIMARY KEY,
                entry_id TEXT NOT NULL REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                amount INTEGER NOT NULL CHECK (amount > 0),
                currency TEXT NOT NULL,
                expires_at TEXT
            ) STRICT""",
            """CREATE TABLE till_cash_ups (
                entry_id TEXT PRIMARY KEY REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                expected INTEGER NOT NULL,
                counted INTEGER NOT NULL
            ) STRICT""",
        ),
    ),
    # Online reservations handed over at the stall (popup/till/collecting.py): an order once, by its id.
    Migration(
        5,
        "reservations collected at the till",
        (
            """CREATE TABLE till_collections (
                order_id TEXT PRIMARY KEY,
                entry_id TEXT NOT NULL REFERENCES journal (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                number TEXT NOT NULL
            ) STRICT""",
        ),
    ),
)
CURRENT_VERSION = MIGRATIONS[-1].number

# The store's own bookkeeping: an action's ``apply`` may read these but never write them.
STORE_TABLES = frozenset({"meta", "devices", "journal", "sync_state", "exports", "exported_entries", "imports"})


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, upto: int = CURRENT_VERSION) -> int:
    """Apply every migration above the file's version, up to ``upto``; answer the version reached.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each migration opens its own
    ``BEGIN IMMEDIATE``.
    """
    version = schema_version(conn)
    if version > CURRENT_VERSION:
        raise StoreTooNew(f"the till store is at schema version {version}; this till knows up to {CURRENT_VERSION}")
    for migration in MIGRATIONS:
        if version < migration.number <= upto:
            _apply(conn, migration)
            version = migration.number
    return version


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(migration.number)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
