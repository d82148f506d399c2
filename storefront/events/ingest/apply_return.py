"""Voids, returns and exchanges at sync: each names its sale by entry id, never by number or clock.

A void or return of a sale the server has not received (its entry is missing, was a conflict,
or is not a sale) does not fail the batch: it is answered ``conflict`` and flagged as "a return
of an unknown sale", so the till keeps syncing and the merchant sees it. An exchange is its
return then its sale, applied in the same transaction as the rest of the batch.
"""

from __future__ import annotations

import uuid

from storefront.events.ingest import apply_sale, credit_tenders
from storefront.events.ingest.context import Batch
from storefront.events.journal import Exchange, Return, Sale, SyncEntry, Void, decode_payload
from storefront.events.models import EventEntry
from storefront.orders import stall


async def sale_of(batch: Batch, sale_entry: uuid.UUID) -> tuple[uuid.UUID, Sale] | None:
    """The order a sale entry of this event became and the sale itself; None if it is no applied sale.

    Entry rows are written at the start of their batch, so a sale earlier in the same batch is found too.
    """
    if sale_entry in batch.conflicts:
        return None
    row = await EventEntry.get_or_none(id=sale_entry, event_id=batch.event.id, status="applied")
    if row is None or row.order_id is None or row.kind not in ("sale", "exchange"):
        return None
    decoded = decode_payload(row.kind, row.payload)
    sale = decoded.sale if isinstance(decoded, Exchange) else decoded
    if not isinstance(sale, Sale):
        return None
    return row.order_id, sale


async def void(batch: Batch, entry: SyncEntry, data: Void) -> None:
    found = await sale_of(batch, data.sale)
    if found is None:
        batch.refuse(entry, "unknown_sale", f"void of an unknown sale: entry {data.sale} was never applied here")
        return
    order_id, sale = found
    await apply_sale.flush(batch)
    detail = f"voided at the stall by {data.staff}: {data.reason} (entry {entry.id})"
    problem = await stall.void_sale(batch.brand_id, order_id, batch.location_id, detail=detail, now=entry.occurred_at)
    if problem is not None:
        batch.refuse(entry, "void_refused", f"void not applied: {problem}")
        return
    for i, tender in enumerate(sale.tenders):
        if tender.kind == "credit":
            key = f"stall:{entry.id}:refund:{i}"
            await credit_tenders.give_back(batch, entry, tender, key=key, reason=f"stall void of {sale.number}")
    batch.tenders.extend(apply_sale.tender_rows(batch, entry, order_id, sale.tenders, "refunded"))


async def give_back(batch: Batch, entry: SyncEntry, data: Return) -> bool:
    """Record a return; False when its sale is unknown (then nothing was written)."""
    found = await sale_of(batch, data.sale)
    if found is None:
        batch.refuse(entry, "unknown_sale", f"return of an unknown sale: entry {data.sale} was never applied here")
        return False
    order_id, _ = found
    await apply_sale.flush(batch)
    for i, tender in enumerate(data.refund):
        if tender.kind == "credit":
            key = f"stall:{entry.id}:refund:{i}"
            await credit_tenders.issue(batch, entry, tender, key=key, reason=f"stall return {data.number}")
    problems = await stall.return_lines(
        batch.brand_id,
        order_id,
        stall.StallReturn(
            refund_minor=sum(t.amount for t in data.refund),
            credit_minor=sum(t.amount for t in data.refund if t.kind == "credit"),
            credit_id=None,
            location_id=batch.location_id,
            location=batch.event.location.handle,
            number=data.number,
            detail=f"returned at the stall to {data.staff}: {data.reason} (entry {entry.id})",
            lines=[stall.ReturnedLine(sku=x.sku, quantity=x.quantity, restock=x.restock) for x in data.lines],
        ),
        now=entry.occurred_at,
    )
    for n, problem in enumerate(problems):
        batch.flag(entry, "return_mismatch", f"return {data.number}: {problem}", key=f"{entry.id}:{n}")
    batch.tenders.extend(apply_sale.tender_rows(batch, entry, order_id, data.refund, "refunded"))
    return True


async def exchange(batch: Batch, entry: SyncEntry, data: Exchange) -> None:
    if await give_back(batch, entry, data.returned):
        found = await sale_of(batch, data.returned.sale)
        await apply_sale.stage(batch, entry, data.sale, exchange_of=found[0] if found else None)
