"""One sync batch of a stall device, applied in one transaction (DESIGN 9.3).

The entry rows are the guard, not the idempotency store: they are written first, under the
till's ids (the primary key) and the device's sequence numbers (unique per device), so a second
sender of the same batch waits on the first and then collides; its transaction rolls back and the
batch is judged again against what the first wrote, which makes every entry a ``duplicate``.
Entries are applied in sequence order, never by ``occurred_at``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import NamedTuple

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.transactions import in_transaction

from storefront.errors import Conflict, FieldError, NotFound, PermissionDenied
from storefront.events.ingest import apply_other, apply_return, apply_sale, entries, progress, updates
from storefront.events.ingest.context import Batch, FlagRow, TenderRow, load_skus
from storefront.events.journal import (
    CashUp,
    Collect,
    EntryResult,
    Exchange,
    Return,
    Sale,
    StockCount,
    SyncAnswer,
    SyncEntry,
    SyncRequest,
    TradeIn,
    Void,
)
from storefront.events.models import Event, EventEntry, EventFlag, EventTender
from storefront.events.schemas import DeviceCaller
from storefront.events.service import event_of
from storefront.ids import new_id
from storefront.orders import stall
from storefront.sql import POSTGRES, Params, insert_rows
from storefront.tenancy import brand_currency

ATTEMPTS = 4
log = logging.getLogger("stallkit.events")


async def sync(
    caller: DeviceCaller, event_id: uuid.UUID, data: SyncRequest, *, code_key: bytes, now: datetime
) -> SyncAnswer:
    """Apply a device's batch and answer what the server now holds of its journal."""
    if caller.event_id != event_id:
        raise NotFound("no such event", errors=[FieldError("path.event_id", "no such event")])
    if data.device_id != caller.device_id:
        raise PermissionDenied(
            "device_id is not the device whose token this is", errors=[FieldError("body.device_id", "not this device")]
        )
    event = await event_of(caller.brand_id, event_id)
    currency = await brand_currency(caller.brand_id)
    for _ in range(ATTEMPTS):
        try:
            return await _once(caller, event, data, code_key=code_key, now=now, currency=currency)
        except (IntegrityError, TransactionManagementError):
            # A twin sender wrote first: judge the batch again against what it wrote.
            log.info("a sync batch of device %s met a twin sender; judging it again", caller.device_id)
            continue
        except OperationalError as exc:
            # Two tills' batches locking the same stock and credit rows in other orders: PostgreSQL
            # picks one to roll back; it is simply run again.
            if "deadlock" not in str(exc).lower():
                raise
            log.info("a sync batch of device %s was rolled back by a deadlock; running it again", caller.device_id)
    raise Conflict("this device's journal is being synced by another request: try again")


def _skus(judged: list[entries.Judged]) -> set[str]:
    out: set[str] = set()
    for j in judged:
        payload = j.payload
        if isinstance(payload, Exchange):
            out.update(line.sku for line in payload.sale.lines)
        elif isinstance(payload, Sale | StockCount):
            out.update(line.sku for line in payload.lines)
    return out


def _numbers(judged: list[entries.Judged]) -> list[str]:
    out = []
    for j in judged:
        if isinstance(j.payload, Sale):
            out.append(j.payload.number)
        elif isinstance(j.payload, Exchange):
            out.append(j.payload.sale.number)
    return out


_STORED_COLUMNS = ("id", "device_id", "seq", "kind", "occurred_at", "payload", "content_hash", "status", "detail")
_OCCURRED_AT = EventEntry._meta.fields_map["occurred_at"]


def _stored_query(
    dialect: str, device_id: uuid.UUID, ids: list[uuid.UUID], seqs: list[int]
) -> tuple[str, list[object]]:
    """The rows with these ids or this device's seqs; on PostgreSQL as two arrays, so the text and plan are one.

    Hand-written: a replayed batch is little more than this read, and the ORM spent longer building
    its four hundred placeholders than the database took to answer.
    """
    params = Params(dialect)
    if dialect == POSTGRES:
        by_id = f"= ANY({params.add(ids)}::uuid[])"
        device = params.add(device_id)
        by_seq = f"= ANY({params.add(seqs)}::bigint[])"
    else:
        by_id = "IN (" + ", ".join(params.add(i) for i in ids) + ")"
        device = params.add(device_id)
        by_seq = "IN (" + ", ".join(params.add(seq) for seq in seqs) + ")"
    names = ", ".join(f'"{c}"' for c in _STORED_COLUMNS)
    where = f'"id" {by_id} OR ("device_id" = {device} AND "seq" {by_seq})'
    return f'SELECT {names} FROM "event_entry" WHERE {where}', params.values  # noqa: S608


async def _stored(
    device_id: uuid.UUID, batch: list[SyncEntry]
) -> tuple[dict[uuid.UUID, entries.Stored], dict[int, uuid.UUID]]:
    """The stored rows the batch names, by id (any device) or by this device's seq: one query."""
    if not batch:
        return {}, {}
    ids = sorted({e.id for e in batch}, key=str)
    seqs = sorted({e.seq for e in batch})
    connection = get_connection("default")
    rows = await connection.execute_query_dict(*_stored_query(connection.capabilities.dialect, device_id, ids, seqs))
    stored = [
        entries.Stored(
            id=_uuid(row["id"]),
            device_id=_uuid(row["device_id"]),
            seq=int(row["seq"]),
            kind=str(row["kind"]),
            occurred_at=_OCCURRED_AT.to_python_value(row["occurred_at"]),  # as the ORM reads it
            payload=str(row["payload"]),
            content_hash=str(row["content_hash"]),
            conflict=str(row["detail"]) if row["status"] == "conflict" else None,
        )
        for row in rows
    ]
    by_id = {s.id: s for s in stored}
    by_seq = {s.seq: s.id for s in stored if s.device_id == device_id}
    return by_id, by_seq


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _once(
    caller: DeviceCaller, event: Event, data: SyncRequest, *, code_key: bytes, now: datetime, currency: str
) -> SyncAnswer:
    order = sorted(range(len(data.entries)), key=lambda i: data.entries[i].seq)  # stable: a repeat keeps its place
    ordered = [data.entries[i] for i in order]
    async with in_transaction():
        by_id, by_seq = await _stored(caller.device_id, ordered)
        judged = entries.judge(ordered, caller.device_id, by_id, by_seq)
        batch = Batch(
            brand_id=caller.brand_id,
            event=event,
            device_id=caller.device_id,
            now=now,
            code_key=code_key,
            currency=currency,
            late=event.status != "open",
        )
        rows = []
        for j in judged:
            if j.store:
                order_id = new_id() if j.verdict == "apply" and j.entry.kind in ("sale", "exchange") else None
                if order_id is not None:
                    batch.order_ids[j.entry.id] = order_id
                rows.append(_row(batch, j, order_id))
            if j.flag is not None:
                batch.flag(
                    j.entry, j.flag, j.detail or "", key=f"{j.entry.id}:{j.entry.content_hash}", payload=j.entry.payload
                )
        await insert_rows(EventEntry._meta.db_table, EntryRow._fields, rows)
        batch.skus = await load_skus(caller.brand_id, _skus(judged))
        batch.numbers = await stall.taken_numbers(_numbers(judged))
        for j in judged:
            if j.verdict == "apply":
                await _apply(batch, j.entry, j.payload)
        await apply_sale.flush(batch)
        await insert_rows(EventTender._meta.db_table, TenderRow._fields, batch.tenders)
        await insert_rows(EventFlag._meta.db_table, FlagRow._fields, batch.flags, ignore_conflicts=True)
        for entry_id, detail in batch.conflicts.items():
            await EventEntry.filter(id=entry_id).update(status="conflict", detail=detail[:500], order_id=None)
        acked, gaps = await progress.acked_and_gaps(caller.device_id)
    results = {i: _result(j, batch) for i, j in zip(order, judged, strict=True)}
    return SyncAnswer(
        acked_seq=acked,
        gaps=gaps,
        results=[results[i] for i in range(len(data.entries))],
        updates=await updates.since_pack(caller.brand_id, event),
    )


class EntryRow(NamedTuple):
    """An ``event_entry`` row, each field a column: a plain tuple, as a model instance cost more than the write."""

    id: uuid.UUID
    event_id: uuid.UUID
    device_id: uuid.UUID
    seq: int
    occurred_at: datetime
    kind: str
    payload: str
    content_hash: str
    received_at: datetime
    status: str
    detail: str
    late: bool
    order_id: uuid.UUID | None


def _row(batch: Batch, j: entries.Judged, order_id: uuid.UUID | None) -> EntryRow:
    e = j.entry
    return EntryRow(
        id=e.id,
        event_id=batch.event.id,
        device_id=batch.device_id,
        seq=e.seq,
        occurred_at=e.occurred_at,
        kind=e.kind,
        payload=e.payload,
        content_hash=e.content_hash,
        received_at=batch.now,
        status="applied" if j.verdict == "apply" else "conflict",
        detail=(j.detail or "")[:500],
        late=batch.late,
        order_id=order_id,
    )


def _result(j: entries.Judged, batch: Batch) -> EntryResult:
    if j.verdict == "apply":
        refused = batch.conflicts.get(j.entry.id)
        if refused is not None:
            return EntryResult(id=j.entry.id, status="conflict", detail=refused)
        return EntryResult(id=j.entry.id, status="applied")
    return EntryResult(id=j.entry.id, status=j.verdict, detail=j.detail)


async def _apply(batch: Batch, entry: SyncEntry, payload: object) -> None:
    if isinstance(payload, Sale):
        await apply_sale.stage(batch, entry, payload)
    elif isinstance(payload, Void):
        await apply_return.void(batch, entry, payload)
    elif isinstance(payload, Return):
        await apply_return.give_back(batch, entry, payload)
    elif isinstance(payload, Exchange):
        await apply_return.exchange(batch, entry, payload)
    elif isinstance(payload, TradeIn):
        await apply_other.trade_in(batch, entry, payload)
    elif isinstance(payload, StockCount):
        await apply_other.stock_count(batch, entry, payload)
    elif isinstance(payload, CashUp):
        apply_other.cash_up(batch, entry, payload)
    elif isinstance(payload, Collect):
        await apply_other.collect(batch, entry, payload)
