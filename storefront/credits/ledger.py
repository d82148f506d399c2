"""The credit ledger: the only code that writes credit entries and moves lots.

Every change is an append-only :class:`CreditEntry` per lot it touches, with the lot's cached
``remaining_minor``/``held_minor`` moved in the same transaction (the caller's). The credit row is
locked first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers), so two checkouts racing to
hold the same credit take turns and the second sees what the first left: nothing is spent twice
and no lot goes below zero.

An operation is written under one idempotency key (unique per brand with the entry's ``seq``), and
:func:`replayed` reads back what an earlier call with that key wrote, which the service answers
instead of writing again.

A checkout's hold is one operation, settled whole. A running hold (a pop-up event's, under its
``hold_key``) is moved by many: every entry carrying its key, so :func:`held_under` sums what it
holds in each lot, and :meth:`Writer.settle_part` redeems or releases part of it, the rest held.

Redemption is the hottest write a brand has (every checkout paying by credit holds, then redeems,
one shared code perhaps), so these statements are hand-written SQL rather than ORM queries: the
ORM spent more time building each statement than the database took to run it, while the credit
row was locked. An operation's moves are kept in memory and written when it finishes: one
``UPDATE`` per lot it touched and one ``INSERT`` of all its entries.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from tortoise.connection import get_connection

from storefront.clock import utcnow
from storefront.credits import rules
from storefront.credits.models import Credit, CreditEntry, CreditLot
from storefront.sql import POSTGRES, Params, placeholder, uuid_param

_CREDIT_COLUMNS = (
    "id", "brand_id", "code_hash", "code_hint", "currency", "status", "created_at", "offline_lookup", "stall_issued",
)  # fmt: skip
_LOT_COLUMNS = ("id", "credit_id", "amount_minor", "remaining_minor", "held_minor", "expires_at", "created_at")
_ENTRY_COLUMNS = (
    "id", "brand_id", "credit_id", "lot_id", "kind", "amount_minor", "held_minor",
    "idempotency_key", "seq", "hold_key", "reason", "actor", "created_at", "settles",
)  # fmt: skip


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


@functools.cache
def _select_credit(dialect: str) -> str:
    p1, p2 = placeholder(dialect, 1), placeholder(dialect, 2)
    lock = " FOR UPDATE" if dialect == POSTGRES else ""
    return f'SELECT {_names(_CREDIT_COLUMNS)} FROM "credit" WHERE "brand_id" = {p1} AND "id" = {p2}{lock}'  # noqa: S608


@functools.cache
def _select_locked(dialect: str) -> str:
    """The credit and its lots in one statement: the credit's row locked on PostgreSQL (not the lots')."""
    p1, p2 = placeholder(dialect, 1), placeholder(dialect, 2)
    credit = ", ".join(f'c."{c}"' for c in _CREDIT_COLUMNS)
    lots = ", ".join(f'l."{c}" AS "lot_{c}"' for c in _LOT_COLUMNS)
    lock = " FOR UPDATE OF c" if dialect == POSTGRES else ""
    return (
        f'SELECT {credit}, {lots} FROM "credit" c JOIN "credit_lot" l ON l."credit_id" = c."id" '  # noqa: S608
        f'WHERE c."brand_id" = {p1} AND c."id" = {p2} ORDER BY l."id"{lock}'
    )


@functools.cache
def _select_lots(dialect: str) -> str:
    where = f'"credit_id" = {placeholder(dialect, 1)}'
    return f'SELECT {_names(_LOT_COLUMNS)} FROM "credit_lot" WHERE {where} ORDER BY "id"'  # noqa: S608


@functools.cache
def _select_held(dialect: str) -> str:
    p1, p2 = placeholder(dialect, 1), placeholder(dialect, 2)
    return (
        'SELECT "lot_id", SUM("held_minor") AS "held" FROM "credit_entry" '  # noqa: S608
        f'WHERE "brand_id" = {p1} AND "hold_key" = {p2} GROUP BY "lot_id"'
    )


@functools.cache
def _select_entries(dialect: str, by: str) -> str:
    p1, p2 = placeholder(dialect, 1), placeholder(dialect, 2)
    return (
        f'SELECT {_names(_ENTRY_COLUMNS)} FROM "credit_entry" '  # noqa: S608
        f'WHERE "brand_id" = {p1} AND "{by}" = {p2} ORDER BY "seq"'
    )


def _insert_lot(dialect: str, lot: CreditLot) -> tuple[str, list[object]]:
    v = Params(dialect)
    marks = ", ".join(v.add(getattr(lot, c)) for c in _LOT_COLUMNS)
    return f'INSERT INTO "credit_lot" ({_names(_LOT_COLUMNS)}) VALUES ({marks})', v.values  # noqa: S608


def _writes(
    dialect: str, lots: Sequence[CreditLot], status: tuple[uuid.UUID, str] | None, entries: Sequence[CreditEntry]
) -> list[tuple[str, list[object]]]:
    """The statements that write an operation, in order: the lots it moved, the credit's status, its entries.

    On PostgreSQL they are one statement (the updates as data-modifying ``WITH`` clauses before the
    entries' ``INSERT``): one round trip while the credit is locked. SQLite takes them one by one.
    """
    together = dialect == POSTGRES
    shared = Params(dialect)
    parts: list[tuple[str, Params]] = []

    def values() -> Params:
        return shared if together else Params(dialect)

    for lot in lots:
        v = values()
        remaining, held, lot_id = v.add(lot.remaining_minor), v.add(lot.held_minor), v.add(lot.id)
        sql = f'UPDATE "credit_lot" SET "remaining_minor" = {remaining}, "held_minor" = {held} WHERE "id" = {lot_id}'  # noqa: S608
        parts.append((sql, v))
    if status is not None:
        v = values()
        new, credit_id = v.add(status[1]), v.add(status[0])
        parts.append((f'UPDATE "credit" SET "status" = {new} WHERE "id" = {credit_id}', v))  # noqa: S608
    if entries:
        v = values()
        rows = ", ".join("(" + ", ".join(v.add(getattr(e, c)) for c in _ENTRY_COLUMNS) + ")" for e in entries)
        parts.append((f'INSERT INTO "credit_entry" ({_names(_ENTRY_COLUMNS)}) VALUES {rows}', v))  # noqa: S608
    if not together or len(parts) < 2:
        return [(sql, v.values) for sql, v in parts]
    *before, (last, _) = parts
    clauses = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(before))
    return [(f"WITH {clauses} {last}", shared.values)]


async def _rows(sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    return list(await get_connection("default").execute_query_dict(sql, list(values)))


def _dialect() -> str:
    return get_connection("default").capabilities.dialect


async def locked_credit(brand_id: uuid.UUID, credit_id: uuid.UUID) -> Credit | None:
    """The brand's credit, locked for the rest of the caller's transaction."""
    d = _dialect()
    rows = await _rows(_select_credit(d), [uuid_param(d, brand_id), uuid_param(d, credit_id)])
    return Credit._init_from_db(**rows[0]) if rows else None


async def locked_with_lots(brand_id: uuid.UUID, credit_id: uuid.UUID) -> tuple[Credit, list[CreditLot]] | None:
    """:func:`locked_credit` and :func:`lots_of` in one round trip: an operation's reads while the lock is held.

    A credit always has a lot (its issue wrote one in the same transaction), so the join finds it.
    """
    d = _dialect()
    rows = await _rows(_select_locked(d), [uuid_param(d, brand_id), uuid_param(d, credit_id)])
    if not rows:
        return None
    credit = Credit._init_from_db(**{c: rows[0][c] for c in _CREDIT_COLUMNS})
    return credit, [CreditLot._init_from_db(**{c: row[f"lot_{c}"] for c in _LOT_COLUMNS}) for row in rows]


async def lots_of(credit_id: uuid.UUID) -> list[CreditLot]:
    d = _dialect()
    return [CreditLot._init_from_db(**row) for row in await _rows(_select_lots(d), [uuid_param(d, credit_id)])]


def as_rules(lots: Sequence[CreditLot]) -> list[rules.Lot]:
    return [
        rules.Lot(id=lot.id, remaining=lot.remaining_minor, held=lot.held_minor, expires_at=lot.expires_at)
        for lot in lots
    ]


async def _entries(brand_id: uuid.UUID, by: str, key: str) -> list[CreditEntry]:
    d = _dialect()
    rows = await _rows(_select_entries(d, by), [uuid_param(d, brand_id), key])
    return [CreditEntry._init_from_db(**row) for row in rows]


async def replayed(brand_id: uuid.UUID, key: str) -> list[CreditEntry]:
    """The entries an operation with this key wrote, in order (empty: it never ran)."""
    return await _entries(brand_id, "idempotency_key", key)


async def settled(brand_id: uuid.UUID, hold_key: str) -> bool:
    """Whether a release or redemption of this hold was written (read under the credit's lock)."""
    return bool(await _entries(brand_id, "hold_key", hold_key))


async def held_under(brand_id: uuid.UUID, hold_key: str) -> dict[uuid.UUID, int]:
    """What a running hold (every entry under ``hold_key`` moves it) holds in each lot (read under the lock)."""
    d = _dialect()
    rows = await _rows(_select_held(d), [uuid_param(d, brand_id), hold_key])
    return {_as_uuid(row["lot_id"]): int(row["held"]) for row in rows if int(row["held"])}


def _as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# --- one statement, no lock held across a round trip (PostgreSQL) ------------------------------
#
# The commonest operations on the commonest credit (one lot, active) are each one statement run
# on its own, outside any transaction of ours: the credit's row is locked, the lot moved by a
# conditional relative UPDATE and the entry inserted, all inside the server, so the lock is held
# for microseconds rather than across the round trips a read, a decision in Python and a write
# take. When the statement's conditions do not hold (several lots, too little left, a lot that
# would be emptied, another status) it writes nothing, and the caller takes the general path.
#
# READ COMMITTED gives the statement one snapshot, taken before it waits for the lock, and re-reads
# only the rows it locks or updates (the credit, the lot) once it has the lock. So every condition
# that money depends on is on the lot's row; what is read from the snapshot only narrows when the
# statement applies: a lot added meanwhile (by a refund or an adjustment, under the lock) leaves
# the operation as if it had run just before; a settle committed meanwhile is refused by the
# entries' unique ``(brand, settles, seq)``, the statement fails whole and the caller answers it.

_ENTRY_INSERT = ", ".join(f'"{c}"' for c in _ENTRY_COLUMNS)

_HOLD_AT_ONCE = f"""
WITH c AS (
    SELECT "id", "currency" FROM "credit" WHERE "brand_id" = $1 AND "id" = $2 AND "status" = $3 FOR UPDATE
), l AS (
    UPDATE "credit_lot" SET "remaining_minor" = "remaining_minor" - $4, "held_minor" = "held_minor" + $4
    WHERE "credit_id" = (SELECT "id" FROM c) AND "remaining_minor" >= $4
        AND ("expires_at" IS NULL OR "expires_at" > $5::timestamptz)
        AND (SELECT COUNT(*) FROM "credit_lot" WHERE "credit_id" = $2) = 1
    RETURNING "id"
), e AS (
    INSERT INTO "credit_entry" ({_ENTRY_INSERT})
    SELECT $6::uuid, $1, $2, l."id", $7, -$4, $4, $8, 0, $9, $10, $11, $12::timestamptz, NULL FROM l
    RETURNING "lot_id"
)
SELECT e."lot_id", c."currency" FROM e, c
"""  # noqa: S608

_SETTLE_AT_ONCE = f"""
WITH h AS (
    SELECT "credit_id", "lot_id", "held_minor" FROM "credit_entry"
    WHERE "brand_id" = $1 AND "idempotency_key" = $2 AND "kind" = $3
), c AS (
    SELECT "id", "currency" FROM "credit"
    WHERE "brand_id" = $1 AND "id" = (SELECT "credit_id" FROM h LIMIT 1) AND "status" = $4 FOR UPDATE
), l AS (
    UPDATE "credit_lot" SET "remaining_minor" = "credit_lot"."remaining_minor" + $5 * h."held_minor",
        "held_minor" = "credit_lot"."held_minor" - h."held_minor"
    FROM h
    WHERE "credit_lot"."id" = h."lot_id" AND "credit_lot"."credit_id" = (SELECT "id" FROM c)
        AND (SELECT COUNT(*) FROM h) = 1
        AND (SELECT COUNT(*) FROM "credit_lot" o WHERE o."credit_id" = h."credit_id") = 1
        AND "credit_lot"."held_minor" >= h."held_minor"
        AND ("credit_lot"."remaining_minor" + $5 * h."held_minor" > 0 OR "credit_lot"."held_minor" > h."held_minor")
        AND NOT EXISTS (SELECT 1 FROM "credit_entry" s WHERE s."brand_id" = $1 AND s."hold_key" = $2)
    RETURNING "credit_lot"."id", "credit_lot"."credit_id", h."held_minor"
), e AS (
    INSERT INTO "credit_entry" ({_ENTRY_INSERT})
    SELECT $6::uuid, $1, l."credit_id", l."id", $7, $5 * l."held_minor", -l."held_minor", $8, 0, $2, $9, $10,
        $11::timestamptz, $2
    FROM l
    RETURNING "credit_id", "lot_id", "held_minor"
)
SELECT e."credit_id", e."lot_id", e."held_minor", c."currency" FROM e, c
"""  # noqa: S608


def at_once_here() -> bool:
    """Whether this connection can run an operation as one statement (PostgreSQL; SQLite has no writing ``WITH``)."""
    return _dialect() == POSTGRES


class AtOnce(NamedTuple):
    """An operation written by one statement: the credit's currency, and its one entry."""

    currency: str
    entry: CreditEntry


async def hold_at_once(
    brand_id: uuid.UUID, credit_id: uuid.UUID, amount: int, *, key: str, reason: str, actor: str, now: datetime
) -> AtOnce | None:
    """Hold ``amount`` of an active one-lot credit that covers it, in one statement; None: nothing written."""
    entry = CreditEntry(
        brand_id=brand_id, credit_id=credit_id, kind="hold", amount_minor=-amount, held_minor=amount,
        idempotency_key=key, seq=0, hold_key="", reason=reason, actor=actor, created_at=utcnow(),
    )  # fmt: skip
    values = [
        brand_id, credit_id, "active", amount, now, entry.id, entry.kind, key, "", reason, actor, entry.created_at,
    ]  # fmt: skip
    rows = await _rows(_HOLD_AT_ONCE, values)
    if not rows:
        return None
    entry.lot_id = _as_uuid(rows[0]["lot_id"])
    return AtOnce(rows[0]["currency"], entry)


async def settle_at_once(
    brand_id: uuid.UUID, hold_key: str, kind: rules.EntryKind, *, key: str, reason: str, actor: str
) -> AtOnce | None:
    """Release or redeem a one-entry hold on an active one-lot credit that stays active, in one statement.

    None: nothing written (the caller's general path decides). A settle of the same hold committed
    while this waited for the lock is an ``IntegrityError`` (the entries' ``(brand, settles, seq)``).
    """
    entry = CreditEntry(
        brand_id=brand_id, kind=kind, idempotency_key=key, seq=0, hold_key=hold_key, reason=reason, actor=actor,
        created_at=utcnow(), settles=hold_key,
    )  # fmt: skip
    back = 1 if kind == "release" else 0
    values = [brand_id, hold_key, "hold", "active", back, entry.id, kind, key, reason, actor, entry.created_at]
    rows = await _rows(_SETTLE_AT_ONCE, values)
    if not rows:
        return None
    row = rows[0]
    held = int(row["held_minor"])
    entry.credit_id, entry.lot_id = _as_uuid(row["credit_id"]), _as_uuid(row["lot_id"])
    entry.amount_minor, entry.held_minor = back * -held, held
    return AtOnce(row["currency"], entry)


class Writer:
    """Gathers one operation's entries, numbering them, and writes them, the lots and the credit's status together."""

    def __init__(
        self,
        credit: Credit,
        kind: rules.EntryKind,
        key: str,
        *,
        reason: str,
        actor: str,
        settles: str | None = None,
    ) -> None:
        """``settles``: the checkout hold (its key) this operation settles whole, so no other settle of it can."""
        self.credit = credit
        self.kind = kind
        self.key = key
        self.reason = reason
        self.actor = actor
        self.settles = settles
        self.entries: list[CreditEntry] = []
        self.new_lots: list[CreditLot] = []
        self._moved: dict[uuid.UUID, CreditLot] = {}
        self._at = utcnow()

    def move(
        self, lot: CreditLot, amount: int, held: int = 0, *, hold_key: str = "", kind: rules.EntryKind | None = None
    ) -> None:
        """One entry; ``kind`` names a step of another kind inside the operation (a hold its redemption settles)."""
        lot.remaining_minor += amount
        lot.held_minor += held
        if lot.remaining_minor < 0 or lot.held_minor < 0:
            raise RuntimeError("a lot never goes below zero: the service checks before it moves")
        self._moved[lot.id] = lot
        self.entries.append(
            CreditEntry(
                brand_id=self.credit.brand_id,
                credit_id=self.credit.id,
                lot_id=lot.id,
                kind=kind or self.kind,
                amount_minor=amount,
                held_minor=held,
                idempotency_key=self.key,
                seq=len(self.entries),
                hold_key=hold_key,
                reason=self.reason,
                actor=self.actor,
                created_at=self._at,
                settles=self.settles,
            )
        )

    def new_lot(self, amount: int, expires_at: datetime | None) -> None:
        lot = CreditLot(
            credit_id=self.credit.id,
            amount_minor=amount,
            remaining_minor=0,
            held_minor=0,
            expires_at=expires_at,
            created_at=self._at,
        )
        self.new_lots.append(lot)
        self.move(lot, amount)

    def spend(self, lots: Sequence[CreditLot], amount: int, now: datetime, *, hold: bool, hold_key: str = "") -> None:
        """Take ``amount`` from the soonest-expiring live lots: held for a checkout, or gone (an adjustment).

        Raises :class:`rules.Shortfall` before writing anything if the lots hold too little.
        """
        by_id = {lot.id: lot for lot in lots}
        for lot_id, take in rules.plan_spend(as_rules(lots), amount, now):
            self.move(by_id[lot_id], -take, take if hold else 0, hold_key=hold_key)

    def settle_part(
        self, lots: Sequence[CreditLot], held: dict[uuid.UUID, int], amount: int, *, hold_key: str, release: bool
    ) -> None:
        """Settle ``amount`` of a running hold (``held``: what it holds in each lot), the rest staying held.

        Released back to the lots, or redeemed (spent); soonest-expiring lots first. Raises
        :class:`rules.Shortfall` before writing anything if the hold holds less.
        """
        by_id = {lot.id: lot for lot in lots}
        for lot_id, take in rules.plan_settle(as_rules(lots), held, amount):
            self.move(by_id[lot_id], take if release else 0, -take, hold_key=hold_key)

    async def finish(self, lots: Sequence[CreditLot]) -> list[CreditEntry]:
        """Write the operation; ``lots`` are all the credit's lots as read under the lock (moved in place).

        The entries go last, in one statement: their key is unique per brand, so a twin of an
        operation already written fails there, and the caller's transaction takes back the rest.
        """
        connection = get_connection("default")
        d = connection.capabilities.dialect
        for lot in self.new_lots:
            await connection.execute_query(*_insert_lot(d, lot))
        fresh = {lot.id for lot in self.new_lots}
        moved = [lot for lot in self._moved.values() if lot.id not in fresh]
        status = rules.status_of(as_rules([*lots, *self.new_lots]), self.kind)
        changed = (self.credit.id, status) if status != self.credit.status else None
        self.credit.status = status
        for sql, values in _writes(d, moved, changed, self.entries):
            await connection.execute_query(sql, values)
        return self.entries
