"""A stall sale at sync: the order it becomes, its tenders, its credit redeemed, its units off the stall.

A completed sale is never refused (DESIGN 9.4). What the server cannot match is kept and
flagged instead: a SKU the catalogue does not know stays in the entry (an order line needs a
variant) and the order keeps the sale's full total; a receipt number another order already
carries gets a server number; units sold past the stall's stock leave it negative; credit the
server could not cover is flagged. Sales are staged and written together at the next
:func:`flush` (before any entry that reads what they wrote), so a batch of two hundred sales
costs a handful of statements rather than a dozen each.
"""

from __future__ import annotations

import uuid

from storefront.events.ingest import credit_tenders
from storefront.events.ingest.context import Batch, TenderRow
from storefront.events.journal import Sale, SyncEntry, Tender
from storefront.ids import new_id
from storefront.money import allocate
from storefront.orders import placing, stall


def _line_discounts(sale: Sale) -> list[int]:
    """The sale's discount split over its lines by their value, exactly (every line, known SKU or not)."""
    amount = sale.discount.amount if sale.discount is not None else 0
    weights = [line.quantity * line.unit_price for line in sale.lines]
    if amount == 0:
        return [0] * len(weights)
    return allocate(amount, weights if any(weights) else [1] * len(weights))


def tender_rows(
    batch: Batch, entry: SyncEntry, order_id: uuid.UUID | None, tenders: list[Tender], direction: str
) -> list[TenderRow]:
    return [
        TenderRow(
            id=new_id(),
            event_id=batch.event.id,
            entry_id=entry.id,
            order_id=order_id,
            direction=direction,
            kind=t.kind,
            amount_minor=t.amount,
            currency=batch.currency,
            reference=t.reference or "",
            code_hint=(t.code or "")[-4:],
        )
        for t in tenders
    ]


def arithmetic_problem(sale: Sale, currency: str) -> str | None:
    """What does not add up in a sale as the till stated it (it is recorded as stated all the same)."""
    discount = sale.discount.amount if sale.discount is not None else 0
    lines = sum(line.quantity * line.unit_price for line in sale.lines)
    paid = sum(t.amount for t in sale.tenders)
    if sale.currency != currency:
        return f"priced in {sale.currency}, not the brand's {currency}"
    if lines != sale.subtotal:
        return f"lines come to {lines}, the subtotal says {sale.subtotal}"
    if sale.subtotal - discount != sale.total:
        return f"subtotal {sale.subtotal} less discount {discount} is not the total {sale.total}"
    if paid != sale.total:
        return f"tenders come to {paid}, the total is {sale.total}"
    return None


async def stage(batch: Batch, entry: SyncEntry, sale: Sale, *, exchange_of: uuid.UUID | None = None) -> uuid.UUID:
    """Stage the sale's order (written at the next flush), redeem its credit now; answers the order's id."""
    order_id = batch.order_ids[entry.id]
    number = sale.number
    if number in batch.numbers:
        number = placing.order_number()
        batch.flag(
            entry,
            "number_taken",
            f"receipt number {sale.number} is already another order's: recorded as {number}",
            key=str(entry.id),
        )
    batch.numbers.add(number)
    problem = arithmetic_problem(sale, batch.currency)
    if problem is not None:
        batch.flag(
            entry,
            "sale_arithmetic",
            f"sale {sale.number}: {problem}; recorded as the till stated it",
            key=str(entry.id),
        )
    lines: list[stall.StallLine] = []
    for line, discount in zip(sale.lines, _line_discounts(sale), strict=True):
        known = batch.skus.get(line.sku)
        if known is None:
            batch.flag(
                entry,
                "unknown_sku",
                f"sale {sale.number} sold {line.quantity} x {line.sku}, a SKU the catalogue does not know: "
                "kept in the entry and in the order's total, not as an order line",
                key=f"{entry.id}:{line.sku}",
            )
            continue
        lines.append(
            stall.StallLine(
                variant_id=known.variant_id,
                sku=line.sku,
                title=known.title,
                quantity=line.quantity,
                unit_price_minor=line.unit_price,
                discount_minor=discount,
                total_minor=line.quantity * line.unit_price - discount,
            )
        )
        batch.sold.setdefault(known.variant_id, []).append((entry, line.sku, line.quantity))
    credit = sum(t.amount for t in sale.tenders if t.kind == "credit")
    for i, tender in enumerate(sale.tenders):
        if tender.kind == "credit":
            key = f"stall:{entry.id}:tender:{i}"
            await credit_tenders.redeem(batch, entry, tender, key=key, reason=f"stall sale {sale.number}")
    batch.tenders.extend(tender_rows(batch, entry, order_id, sale.tenders, "paid"))
    batch.sales.append(
        stall.StallSale(
            id=order_id,
            brand_id=batch.brand_id,
            number=number,
            currency=sale.currency,
            email=sale.email or "",
            subtotal_minor=sale.subtotal,
            discount_minor=sale.discount.amount if sale.discount is not None else 0,
            total_minor=sale.total,
            credit_minor=credit,
            placed_at=entry.occurred_at,
            location_id=batch.location_id,
            location=batch.event.location.handle,
            timezone=batch.event.timezone,
            detail=f"stall sale at event {batch.event.handle}, device {batch.device_id}, entry {entry.id}",
            lines=lines,
            exchange_of=exchange_of,
        )
    )
    return order_id


async def flush(batch: Batch) -> None:
    """Write the staged sales and flag every unit sold past what the stall had."""
    if not batch.sales:
        return
    on_hand = await stall.record_sales(batch.sales)
    for variant_id, sold in batch.sold.items():
        level = on_hand.get(variant_id, 0) + sum(quantity for _, _, quantity in sold)
        for entry, sku, quantity in sold:
            before, level = level, level - quantity
            past = min(quantity, -level) if level < 0 else 0
            if past:
                batch.flag(
                    entry,
                    "oversold",
                    f"sold {past} past the allocation of SKU {sku} (the stall had {max(before, 0)}; now {level})",
                    key=f"{entry.id}:{sku}",
                )
    batch.sales.clear()
    batch.sold.clear()
