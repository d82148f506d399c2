"""The till app's own tables (store migration 3) and the statements actions run on them.

Everything here runs on a connection the store hands over: inside ``TillStore.record``'s
transaction for writes (an action's ``apply``), inside ``TillStore.read`` for reads. Each
statement touches a handful of rows by key, never the whole journal, so a sale costs the same
with ten thousand unsynced sales behind it as with none.

Stock is the store's ``stock`` table, filled lazily from the pack: a SKU's row is written by the
first action that moves it, with the pack's allocation as its starting level, and a SKU with no
row is still at its allocation. So opening a pack writes nothing (opening is fast whatever the
pack holds, and a restart changes nothing), and the store's ``reset`` for a new pack clears the
levels with the journal. A level may go negative: the stall sold past its allocation, and the
server records the conflict at sync (DESIGN 9.4).
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from popup.store import Entry
from popup.store.entries import instant_text, parse_instant

if TYPE_CHECKING:
    from datetime import datetime

    from popup.till.context import Idempotency

_ENTRY = "SELECT id, device_id, seq, occurred_at, kind, payload, content_hash FROM journal WHERE id = ?"


class CounterMoved(RuntimeError):
    """A counter changed between reading it and bumping it: numbered actions were not serialised."""


# --- counters ---------------------------------------------------------------------------------


def counter_value(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT value FROM till_counters WHERE name = ?", (name,)).fetchone()
    return 0 if row is None else int(row[0])


def bump_counter(conn: sqlite3.Connection, name: str, *, expected: int) -> None:
    """Count one more ``name``; refuses (rolling the action back) unless it lands on ``expected``."""
    value = conn.execute(
        "INSERT INTO till_counters (name, value) VALUES (?, 1)"
        " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        (name,),
    ).fetchone()[0]
    if value != expected:
        raise CounterMoved(f"counter {name} reached {value}, the action was numbered {expected}")


# --- idempotency keys ---------------------------------------------------------------------------


def remember_key(conn: sqlite3.Connection, idempotency: Idempotency, entry_id: uuid.UUID) -> None:
    conn.execute(
        "INSERT INTO till_idempotency (scope, key, request_hash, entry_id) VALUES (?, ?, ?, ?)",
        (idempotency.scope, idempotency.key, idempotency.request_hash, str(entry_id)),
    )


def recall_key(conn: sqlite3.Connection, idempotency: Idempotency) -> tuple[str, Entry] | None:
    row = conn.execute(
        "SELECT request_hash, entry_id FROM till_idempotency WHERE scope = ? AND key = ?",
        (idempotency.scope, idempotency.key),
    ).fetchone()
    if row is None:
        return None
    entry = entry_by_id(conn, uuid.UUID(row[1]))
    return None if entry is None else (row[0], entry)


def entry_by_id(conn: sqlite3.Connection, entry_id: uuid.UUID) -> Entry | None:
    row = conn.execute(_ENTRY, (str(entry_id),)).fetchone()
    if row is None:
        return None
    found, device, seq, occurred_at, kind, payload, digest = row
    return Entry(
        id=uuid.UUID(found),
        device_id=uuid.UUID(device),
        seq=seq,
        occurred_at=parse_instant(occurred_at),
        kind=kind,
        payload=payload,
        content_hash=digest,
    )


# --- stock ----------------------------------------------------------------------------------------


def move_stock(conn: sqlite3.Connection, allocation: Mapping[str, int], sku: str, delta: int) -> None:
    """Add ``delta`` (negative for a sale) to a SKU's level, starting from its allocation."""
    conn.execute(
        "INSERT INTO stock (sku, quantity) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET quantity = quantity + ?",
        (sku, allocation.get(sku, 0) + delta, delta),
    )


def stock_levels(conn: sqlite3.Connection, allocation: Mapping[str, int], skus: Iterable[str]) -> dict[str, int]:
    """Each SKU's level now: its row if an action moved it, else its allocation."""
    wanted = list(dict.fromkeys(skus))
    levels = {sku: allocation.get(sku, 0) for sku in wanted}
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for sku, quantity in conn.execute(f"SELECT sku, quantity FROM stock WHERE sku IN ({marks})", chunk):  # noqa: S608
            levels[sku] = int(quantity)
    return levels


# --- sales ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaleRow:
    entry_id: uuid.UUID
    number: str
    occurred_at: datetime
    total: int
    voided_by: uuid.UUID | None


def add_sale(conn: sqlite3.Connection, entry_id: uuid.UUID, number: str, at: datetime, total: int) -> None:
    conn.execute(
        "INSERT INTO till_sales (entry_id, number, occurred_at, total) VALUES (?, ?, ?, ?)",
        (str(entry_id), number, instant_text(at), total),
    )


def sale_row(conn: sqlite3.Connection, entry_id: uuid.UUID) -> SaleRow | None:
    row = conn.execute(
        "SELECT entry_id, number, occurred_at, total, voided_by FROM till_sales WHERE entry_id = ?", (str(entry_id),)
    ).fetchone()
    return None if row is None else _sale(row)


def recent_sales(conn: sqlite3.Connection, limit: int) -> list[SaleRow]:
    rows = conn.execute(
        "SELECT entry_id, number, occurred_at, total, voided_by FROM till_sales ORDER BY rowid DESC LIMIT ?", (limit,)
    )
    return [_sale(row) for row in rows]


def mark_voided(conn: sqlite3.Connection, sale: uuid.UUID, void: uuid.UUID) -> bool:
    """Mark a sale voided by ``void``; false if it was voided already (a second void changes nothing)."""
    changed = conn.execute(
        "UPDATE till_sales SET voided_by = ? WHERE entry_id = ? AND voided_by IS NULL", (str(void), str(sale))
    ).rowcount
    return bool(changed)


def _sale(row: tuple[str, str, str, int, str | None]) -> SaleRow:
    entry_id, number, occurred_at, total, voided_by = row
    return SaleRow(
        entry_id=uuid.UUID(entry_id),
        number=number,
        occurred_at=parse_instant(occurred_at),
        total=total,
        voided_by=None if voided_by is None else uuid.UUID(voided_by),
    )


# --- credit taken offline -------------------------------------------------------------------------


def credit_taken(conn: sqlite3.Connection, lookup: str) -> int:
    """What this till has taken from one pack credit (its offline lookup), voids given back."""
    row = conn.execute("SELECT coalesce(sum(amount), 0) FROM till_credit_uses WHERE lookup = ?", (lookup,)).fetchone()
    return int(row[0])


def use_credit(conn: sqlite3.Connection, entry_id: uuid.UUID, lookup: str, amount: int) -> None:
    """``amount`` taken from a credit by the action ``entry_id`` (negative: given back by a void)."""
    conn.execute(
        "INSERT INTO till_credit_uses (entry_id, lookup, amount) VALUES (?, ?, ?)", (str(entry_id), lookup, amount)
    )


# --- product images -------------------------------------------------------------------------------


class ImageCache:
    """Pack images already on this machine: ``images/<sha256 of the URL>.<ext>`` in the data directory.

    The till never fetches an image while it sells (the stall may have no network, and a slow
    fetch would hold up a sale); a product whose image is not here shows its title instead.
    Whatever puts files here (:mod:`popup.till.images` after a sync while online, or a person
    copying them) names them so.
    """

    SUFFIXES = (".webp", ".jpg", ".jpeg", ".png", ".svg", ".gif", ".avif")

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files = {path.stem: path.name for path in _listing(directory) if path.suffix.lower() in self.SUFFIXES}

    @staticmethod
    def name_for(url: str) -> str:
        return hashlib.sha256(url.encode()).hexdigest()

    def file_for(self, url: str) -> str | None:
        """The cached file's name for ``url``, or None when it is not on this machine."""
        return self._files.get(self.name_for(url))

    def path_of(self, name: str) -> Path | None:
        """The file to serve for ``name`` if it is one of the cached images (nothing else in the folder)."""
        return self.directory / name if name in self._files.values() else None

    def keep(self, url: str, data: bytes, suffix: str) -> None:
        """Store ``url``'s image (written whole, then renamed: a reader never sees half a file)."""
        if suffix not in self.SUFFIXES:
            raise ValueError(f"not an image suffix: {suffix}")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = self.name_for(url) + suffix
        partial = self.directory / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(self.directory / name)
        self._files[self.name_for(url)] = name


def _listing(directory: Path) -> list[Path]:
    try:
        return [path for path in directory.iterdir() if path.is_file()]
    except OSError:
        return []
