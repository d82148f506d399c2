"""Trade-ins, stock counts, cash-ups and collections at sync.

A trade-in's credit is issued under the code the till printed, so the shopper's code works
online once synced, and a later sale of the same journal paying with it finds it (entries are
applied in sequence order). A stock count sets the stall's level to what was counted, one
adjustment per SKU with the counter and the note as its reason. A cash-up is kept as its
entry, for the report, and a drawer that does not match is flagged.
"""

from __future__ import annotations

from storefront.credits import codes, stall_intake
from storefront.events.ingest import apply_sale
from storefront.events.ingest.context import Batch
from storefront.events.journal import CashUp, Collect, StockCount, SyncEntry, TradeIn
from storefront.inventory import ledger
from storefront.money import Money
from storefront.orders import stall

ACTOR = "system:stall-sync"


async def trade_in(batch: Batch, entry: SyncEntry, data: TradeIn) -> None:
    try:
        codes.parse(data.code)
    except codes.BadCode as exc:
        batch.flag(
            entry,
            "code_unreadable",
            f"trade-in {data.number}: the till's code ...{data.code[-4:]} {exc}",
            key=str(entry.id),
        )
    result = await stall_intake.record_stall_trade_in(
        batch.brand_id,
        stall_intake.StallTradeIn(
            category=data.category,
            size_class=data.size_class,
            material=data.material,
            grade=data.grade,
            own_brand=data.own_brand,
            description=data.description,
            amount=Money(amount=data.amount, currency=batch.currency),
            code=data.code,
        ),
        key=f"stall:{entry.id}",
        actor=ACTOR,
        now=batch.now,
        code_key=batch.code_key,
    )
    if result.credit_id is None:
        batch.flag(
            entry,
            "code_taken",
            f"trade-in {data.number}: code ...{data.code[-4:]} already belongs to another credit; "
            f"{data.amount} owed to the shopper was not issued",
            key=str(entry.id),
        )


async def stock_count(batch: Batch, entry: SyncEntry, data: StockCount) -> None:
    await apply_sale.flush(batch)
    reason = f"stall count by {data.staff}" + (f": {data.note}" if data.note else "")
    for line in data.lines:
        known = batch.skus.get(line.sku)
        if known is None:
            batch.flag(
                entry,
                "unknown_sku",
                f"stock count of {line.sku}, a SKU the catalogue does not know",
                key=f"{entry.id}:{line.sku}",
            )
            continue
        await ledger.count_at(batch.brand_id, known.variant_id, batch.location_id, line.counted, reason[:200])


def cash_up(batch: Batch, entry: SyncEntry, data: CashUp) -> None:
    difference = data.counted - data.expected
    if difference:
        batch.flag(
            entry,
            "cash_difference",
            f"cash-up by {data.staff}: counted {data.counted}, expected {data.expected} "
            f"({difference:+d} {data.currency})",
            key=str(entry.id),
        )


async def collect(batch: Batch, entry: SyncEntry, data: Collect) -> None:
    problem = await stall.collect(batch.brand_id, data.order_id, now=entry.occurred_at)
    if problem == "no such order":
        batch.refuse(entry, "unknown_order", f"collection of order {data.order_number}: no such order")
    elif problem is not None:
        batch.flag(
            entry, "collect_not_applied", f"collection of order {data.order_number}: {problem}", key=str(entry.id)
        )
