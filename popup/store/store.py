"""The till's durable local store: its state and its journal, in one SQLite file.

At a market stall the till sells offline for days, and the screen says "paid" only once the sale
is on disk; later every action must reach the storefront exactly once. So each action's state
change and its journal entry commit in one transaction, and the journal is what sync reads.

Why the stdlib ``sqlite3`` rather than the storefront's ORM: the till is one local process with
no database server, and durability is the whole point, so the store wants full control of it:
WAL with ``synchronous=FULL`` (checked after setting, not assumed), autocommit mode with
explicit ``BEGIN IMMEDIATE``/``COMMIT`` so no driver opens or ends a transaction behind our back,
and synchronous calls that return only after the commit. An async ORM's pooled connection would
hide all three.

Every public method takes one lock, so the store may be shared by a web server's threads; one
process per data directory is enforced by :mod:`popup.store.lock`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from popup.store import exchange, migrations
from popup.store.entries import Entry, canonical_json, check_kind, content_hash, instant_text, parse_instant, utc
from popup.store.errors import (
    AckBeyondJournal,
    DeviceMismatch,
    ImportConflict,
    InvalidTillInput,
    ResetRefused,
    StoreUnsafe,
)
from popup.store.lock import DirectoryLock
from popup.store.reports import ExportReport, ImportReport, TillStatus
from storefront.clock import Clock
from storefront.ids import new_id

DATABASE_FILE = "till.sqlite3"

T = TypeVar("T")
Apply = Callable[[sqlite3.Connection], None]

_ENTRY_COLUMNS = "id, device_id, seq, occurred_at, kind, payload, content_hash"
_UNSAVED = """SELECT count(*) FROM journal AS j WHERE j.synced_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM exported_entries AS x WHERE x.entry_id = j.id)"""
# reset() empties these (children first, for the foreign keys); ``devices`` stays so that a
# device's sequence numbers carry on rather than start again at 1.
_RESET_TABLES = ("exported_entries", "exports", "imports", "journal", "stock")


class TillStore:
    """One till's store; make it with :meth:`open`, and close it (or use it as a context manager)."""

    def __init__(self, conn: sqlite3.Connection, lock: DirectoryLock, device_id: uuid.UUID, clock: Clock) -> None:
        self._conn = conn
        self._lock = lock
        self._guard = threading.Lock()
        self._clock = clock
        self.device_id = device_id
        self.data_dir = lock.directory

    @classmethod
    def open(cls, data_dir: str | os.PathLike[str], *, device_id: uuid.UUID, clock: Clock) -> TillStore:
        """Lock ``data_dir`` (made if missing), open or create its store, upgrade its schema.

        A store whose journal holds another device's entries refuses with :class:`DeviceMismatch`;
        an empty one (new, or reset for a new pack) is adopted by ``device_id``.
        """
        directory = Path(data_dir).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        lock = DirectoryLock.acquire(directory)
        conn: sqlite3.Connection | None = None
        try:
            conn = connect(directory / DATABASE_FILE)
            migrations.migrate(conn)
            with _transaction(conn):
                _adopt(conn, device_id, directory)
        except BaseException:
            if conn is not None:
                conn.close()
            lock.release()
            raise
        return cls(conn, lock, device_id, clock)

    def close(self) -> None:
        with self._guard:
            self._conn.close()
            self._lock.release()

    def __enter__(self) -> TillStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- the journal --------------------------------------------------------------------------

    def record(self, kind: str, payload: object, apply: Apply, *, entry_id: uuid.UUID | None = None) -> Entry:
        """Make an action's state change (``apply``) and journal it, in one transaction.

        Returns after COMMIT, so the entry and its state change are on disk. If ``apply`` raises,
        nothing is written and the sequence number is not used. ``apply`` may write the till's
        own tables but not the store's bookkeeping, nor begin, end or configure transactions:
        SQLite's authorizer refuses those statements while it runs. ``entry_id`` (a fresh UUIDv7
        by default) lets the caller name the entry beforehand, so ``apply`` can write rows that
        point at it (a sale's index row, an idempotency key) in the same transaction.
        """
        check_kind(kind)
        text = canonical_json(payload)
        with self._guard, _transaction(self._conn) as conn:
            occurred_at = utc(self._clock())
            conn.set_authorizer(_apply_authorizer)
            try:
                apply(conn)
            finally:
                conn.set_authorizer(None)
            seq = _claim_seq(conn, self.device_id)
            entry = Entry(
                id=entry_id or new_id(),
                device_id=self.device_id,
                seq=seq,
                occurred_at=occurred_at,
                kind=kind,
                payload=text,
                content_hash=content_hash(text),
            )
            _insert_entry(conn, entry, synced_at=None)
        return entry

    def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``query`` in one read transaction (a consistent snapshot); it may not write."""
        with self._guard:
            self._conn.execute("BEGIN")
            self._conn.set_authorizer(_read_authorizer)
            try:
                return query(self._conn)
            finally:
                self._conn.set_authorizer(None)
                self._conn.execute("COMMIT")

    def entries(self, *, device_id: uuid.UUID | None = None) -> list[Entry]:
        """Every entry of one device (this till's by default), synced or not, in sequence order."""
        with self._guard:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM journal WHERE device_id = ? ORDER BY seq",  # noqa: S608
                (str(device_id or self.device_id),),
            )
            return [_entry(row) for row in rows]

    # --- sync -----------------------------------------------------------------------------------

    def pending(self, limit: int, *, device_id: uuid.UUID | None = None) -> list[Entry]:
        """Up to ``limit`` unsynced entries of one device (this till's by default), in sequence order."""
        if limit < 1:
            raise InvalidTillInput(f"pending() needs a limit of at least 1, got {limit}")
        with self._guard:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM journal WHERE device_id = ? AND synced_at IS NULL"  # noqa: S608
                " ORDER BY seq LIMIT ?",
                (str(device_id or self.device_id), limit),
            )
            return [_entry(row) for row in rows]

    def pending_devices(self) -> list[uuid.UUID]:
        """Devices with unsynced entries: this till's first, then those imported from other tills."""
        with self._guard:
            rows = self._conn.execute("SELECT DISTINCT device_id FROM journal WHERE synced_at IS NULL").fetchall()
        return sorted((uuid.UUID(row[0]) for row in rows), key=lambda device: (device != self.device_id, device))

    def mark_synced(self, acked_seq: int, at: datetime, *, device_id: uuid.UUID | None = None) -> int:
        """The server holds a device's entries up to ``acked_seq``: mark them synced; answer how many were new.

        Idempotent, and never un-syncs: a stale or repeated acknowledgement changes nothing but
        the last sync time. An acknowledgement beyond what the store ever wrote is refused.
        """
        if acked_seq < 0:
            raise InvalidTillInput(f"an acknowledged sequence number cannot be negative, got {acked_seq}")
        device = str(device_id or self.device_id)
        stamp = instant_text(at)
        with self._guard, _transaction(self._conn) as conn:
            row = conn.execute("SELECT last_seq, acked_seq FROM devices WHERE device_id = ?", (device,)).fetchone()
            last_seq, acked = row if row is not None else (0, 0)
            if acked_seq > last_seq:
                raise AckBeyondJournal(
                    f"the server acknowledged seq {acked_seq} of device {device}, but this till has only {last_seq}"
                )
            if acked_seq > acked:
                conn.execute("UPDATE devices SET acked_seq = ? WHERE device_id = ?", (acked_seq, device))
            marked = conn.execute(
                "UPDATE journal SET synced_at = ? WHERE device_id = ? AND seq <= ? AND synced_at IS NULL",
                (stamp, device, acked_seq),
            ).rowcount
            conn.execute("UPDATE sync_state SET last_sync_at = ?", (stamp,))
        return marked

    def note_sync_error(self, message: str, at: datetime) -> None:
        """A sync attempt failed: keep why and when, for the status page."""
        stamp = instant_text(at)
        with self._guard, _transaction(self._conn) as conn:
            conn.execute("UPDATE sync_state SET last_error = ?, last_error_at = ?", (message, stamp))

    def status(self, now: datetime) -> TillStatus:
        """How much waits to reach the storefront (every device's entries here), and the last tries."""
        with self._guard:
            count, oldest = self._conn.execute(
                "SELECT count(*), min(occurred_at) FROM journal WHERE synced_at IS NULL"
            ).fetchone()
            last_sync, error, error_at = self._conn.execute(
                "SELECT last_sync_at, last_error, last_error_at FROM sync_state"
            ).fetchone()
        age = None if oldest is None else max(0.0, (utc(now) - parse_instant(oldest)).total_seconds())
        return TillStatus(
            pending=count,
            oldest_pending_age_seconds=age,
            last_sync_at=_instant_or_none(last_sync),
            last_error=error,
            last_error_at=_instant_or_none(error_at),
        )

    # --- export, import, reset --------------------------------------------------------------------

    def export_pending(self, path: str | os.PathLike[str]) -> ExportReport:
        """Write every unsynced entry (of every device held here) to ``path``, durably, and remember it.

        The file is durable before the store records the export, so a crash in between errs on
        the safe side: :meth:`reset` still refuses.
        """
        target = Path(path).resolve()
        with self._guard:
            rows = self._conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM journal WHERE synced_at IS NULL ORDER BY device_id, seq"  # noqa: S608
            )
            pending = [_entry(row) for row in rows]
            exported_at = utc(self._clock())
            header = exchange.ExportHeader(
                format=exchange.FORMAT,
                version=exchange.VERSION,
                device_id=self.device_id,
                entries=len(pending),
                exported_at=exported_at,
            )
            checksum = exchange.write_export(target, header, pending)
            with _transaction(self._conn) as conn:
                export_id = conn.execute(
                    "INSERT INTO exports (file_name, exported_at, entries, checksum) VALUES (?, ?, ?, ?)",
                    (str(target), instant_text(exported_at), len(pending), checksum),
                ).lastrowid
                conn.executemany(
                    "INSERT INTO exported_entries (export_id, entry_id) VALUES (?, ?)",
                    [(export_id, str(item.id)) for item in pending],
                )
        return ExportReport(path=str(target), device_id=self.device_id, entries=len(pending), checksum=checksum)

    def import_export(self, path: str | os.PathLike[str]) -> ImportReport:
        """Add another till's exported entries as pending here, exactly as they were written.

        All or nothing: a damaged file (:class:`ExportFileInvalid`) or an entry that contradicts
        this journal (:class:`ImportConflict`) imports nothing. Entries already here are skipped,
        so importing a file twice adds nothing the second time.
        """
        source = Path(path).resolve()
        _, items, checksum = exchange.read_export(source)
        with self._guard, _transaction(self._conn) as conn:
            at = instant_text(self._clock())
            added = sum(_import_entry(conn, item, at) for item in items)
            conn.execute(
                "INSERT INTO imports (file_name, imported_at, checksum, entries, added) VALUES (?, ?, ?, ?, ?)",
                (str(source), at, checksum, len(items), added),
            )
        return ImportReport(entries=len(items), added=added)

    def reset(self) -> None:
        """Drop the journal and the till's state for a new pack; refused while any entry exists only here.

        An entry is safe once synced or exported. Sequence numbers are not reset: a device never
        hands out the same one twice.
        """
        with self._guard, _transaction(self._conn) as conn:
            unsaved = conn.execute(_UNSAVED).fetchone()[0]
            if unsaved:
                raise ResetRefused(
                    f"{unsaved} {'entry' if unsaved == 1 else 'entries'} in {self.data_dir} "
                    f"{'is' if unsaved == 1 else 'are'} neither synced nor exported; "
                    "sync or export them before resetting",
                    extensions={"unsaved": unsaved},
                )
            for table in _RESET_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - names from the constant above
            conn.execute("UPDATE sync_state SET last_sync_at = NULL, last_error = NULL, last_error_at = NULL")


def connect(path: Path) -> sqlite3.Connection:
    """A connection configured for durability, or :class:`StoreUnsafe` if SQLite did not take it."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if (mode, synchronous, foreign_keys) != ("wal", 2, 1):
            raise StoreUnsafe(
                f"SQLite at {path} did not take the till's settings: journal_mode={mode} (want wal), "
                f"synchronous={synchronous} (want 2, FULL), foreign_keys={foreign_keys} (want 1)"
            )
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _adopt(conn: sqlite3.Connection, device_id: uuid.UUID, directory: Path) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    ours = row is None or row[0] == str(device_id)
    if not ours and conn.execute("SELECT 1 FROM journal LIMIT 1").fetchone() is not None:
        raise DeviceMismatch(
            f"{directory} holds the journal of device {row[0]}, not {device_id}; "
            "open it as that device, or sync or export and reset it for a new pack"
        )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('device_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(device_id),),
    )
    conn.execute("INSERT OR IGNORE INTO devices (device_id, last_seq) VALUES (?, 0)", (str(device_id),))


def _claim_seq(conn: sqlite3.Connection, device_id: uuid.UUID) -> int:
    """The device's next sequence number, taken inside the caller's transaction (so a rollback returns it)."""
    seq: int = conn.execute(
        "UPDATE devices SET last_seq = last_seq + 1 WHERE device_id = ? RETURNING last_seq", (str(device_id),)
    ).fetchone()[0]
    return seq


def _insert_entry(conn: sqlite3.Connection, entry: Entry, synced_at: str | None) -> None:
    conn.execute(
        f"INSERT INTO journal ({_ENTRY_COLUMNS}, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        (
            str(entry.id),
            str(entry.device_id),
            entry.seq,
            instant_text(entry.occurred_at),
            entry.kind,
            entry.payload,
            entry.content_hash,
            synced_at,
        ),
    )


def _import_entry(conn: sqlite3.Connection, item: Entry, at: str) -> bool:
    """Insert one imported entry unless it is here already; answer whether it was added.

    An entry at or below its device's acknowledged sequence number is already on the server, so
    it arrives synced: pending stays "everything above the last acknowledgement".
    """
    row = conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM journal WHERE id = ?", (str(item.id),)).fetchone()  # noqa: S608
    if row is not None:
        if _entry(row) != item:
            raise ImportConflict(f"entry {item.id} is already here with different content; nothing was imported")
        return False
    device = str(item.device_id)
    clash = conn.execute("SELECT id FROM journal WHERE device_id = ? AND seq = ?", (device, item.seq)).fetchone()
    if clash is not None:
        raise ImportConflict(
            f"seq {item.seq} of device {device} is entry {clash[0]} here, not {item.id}; nothing was imported"
        )
    conn.execute("INSERT OR IGNORE INTO devices (device_id, last_seq) VALUES (?, 0)", (device,))
    conn.execute("UPDATE devices SET last_seq = max(last_seq, ?) WHERE device_id = ?", (item.seq, device))
    acked = conn.execute("SELECT acked_seq FROM devices WHERE device_id = ?", (device,)).fetchone()[0]
    _insert_entry(conn, item, synced_at=at if item.seq <= acked else None)
    return True


def _entry(row: tuple[str, str, int, str, str, str, str]) -> Entry:
    entry_id, device_id, seq, occurred_at, kind, payload, digest = row
    return Entry(
        id=uuid.UUID(entry_id),
        device_id=uuid.UUID(device_id),
        seq=seq,
        occurred_at=parse_instant(occurred_at),
        kind=kind,
        payload=payload,
        content_hash=digest,
    )


def _instant_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_instant(text)


# --- what the action callbacks may do ---------------------------------------------------------------

_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_DROP_TABLE}
_SCHEMA_BY_TABLE = {sqlite3.SQLITE_ALTER_TABLE, sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TRIGGER}
_CONTROL = {sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_PRAGMA, sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}
_READS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


def _apply_authorizer(action: int, first: str | None, second: str | None, _db: str | None, _by: str | None) -> int:
    """Inside ``record``: the action's own tables are its to change; the journal and the transaction are not."""
    if action in _CONTROL:
        return sqlite3.SQLITE_DENY
    if action in _WRITES and first in migrations.STORE_TABLES:
        return sqlite3.SQLITE_DENY
    if action in _SCHEMA_BY_TABLE and second in migrations.STORE_TABLES:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _read_authorizer(action: int, _first: str | None, _second: str | None, _db: str | None, _by: str | None) -> int:
    return sqlite3.SQLITE_OK if action in _READS else sqlite3.SQLITE_DENY
