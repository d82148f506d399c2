"""Stock counts and cash-up: the stall's shelves and drawer counted against what the till expects.

A stock count records, per SKU, what the till's stock said and what staff counted, and the
counted figure becomes the till's stock: the shelf is the truth, and the difference travels to
the server in the ``stock_count`` entry (where it explains the reconciliation).

A cash-up counts the drawer against :func:`popup.till.rules.cash_expected`: the opening float,
plus the cash kept by sales, less the cash handed back by returns, exchanges and voids, all
since the previous cash-up (a stall that runs several days cashes up each evening and starts
the next day from a fresh float). The period is read by journal sequence, which orders the
till's own actions whatever its clock did.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from popup.store.entries import parse_instant
from popup.till import return_rules, rules, state
from popup.till.action_errors import CountRefused
from popup.till.action_schemas import (
    CashFigures,
    CashUpIn,
    CashUpOut,
    CountLineOut,
    StockCountIn,
    StockCountOut,
    StockRow,
)
from popup.till.context import Idempotency, Recorded, TillContext
from storefront.events.journal import CashUp, Sale, StockCount, StockCountLine

# --- stock count ------------------------------------------------------------------------------------


def expected_stock(till: TillContext) -> list[StockRow]:
    """Every SKU of the pack with what the till's stock says now, for the count sheet."""
    skus = list(dict.fromkeys([*till.products, *till.allocation]))
    levels = till.store.read(lambda conn: state.stock_levels(conn, till.allocation, skus))
    return [
        StockRow(sku=sku, title=product.title if (product := till.products.get(sku)) else sku, expected=levels[sku])
        for sku in skus
    ]


def count_stock(
    till: TillContext, data: StockCountIn, staff: str, idempotency: Idempotency | None = None
) -> Recorded[StockCount]:
    """Record the count; the till's stock of each counted SKU becomes the counted figure."""
    skus = [line.sku for line in data.lines]
    unknown = [sku for sku in skus if sku not in till.products and sku not in till.allocation]
    if unknown:
        raise CountRefused(f"{', '.join(unknown[:5])}: not in this event's pack, so not counted here")
    twice = sorted({sku for sku in skus if skus.count(sku) > 1}) if len(set(skus)) != len(skus) else []
    if twice:
        raise CountRefused(f"{', '.join(twice[:5])}: counted twice; give each SKU once, with its total")

    def build() -> StockCount:
        levels = till.store.read(lambda conn: state.stock_levels(conn, till.allocation, skus))
        return StockCount(
            lines=[
                StockCountLine(sku=line.sku, expected=levels[line.sku], counted=line.counted) for line in data.lines
            ],
            staff=staff,
            note=data.note,
        )

    def rows(conn: sqlite3.Connection, _entry_id: uuid.UUID, made: StockCount) -> None:
        conn.executemany(
            "INSERT INTO stock (sku, quantity) VALUES (?, ?)"
            " ON CONFLICT (sku) DO UPDATE SET quantity = excluded.quantity",
            [(line.sku, line.counted) for line in made.lines],
        )

    return till.record("stock_count", StockCount, build, rows, idempotency=idempotency)


def count_answer(recorded: Recorded[StockCount]) -> StockCountOut:
    return StockCountOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        lines=[
            CountLineOut(
                sku=line.sku, expected=line.expected, counted=line.counted, difference=line.counted - line.expected
            )
            for line in recorded.payload.lines
        ],
    )


# --- cash-up ----------------------------------------------------------------------------------------


def figures(till: TillContext) -> CashFigures:
    """The drawer's movements since the last cash-up (for the form, before anything is counted)."""
    return till.store.read(lambda conn: _period(conn, till)).figures


def cash_up(till: TillContext, data: CashUpIn, staff: str, idempotency: Idempotency | None = None) -> Recorded[CashUp]:
    def build() -> CashUp:
        period = till.store.read(lambda conn: _period(conn, till))
        return CashUp(
            currency=till.currency,
            opening_float=data.opening_float,
            expected=rules.cash_expected(data.opening_float, period.sales, period.figures.cash_refunded),
            counted=data.counted,
            staff=staff,
            note=data.note,
        )

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, made: CashUp) -> None:
        conn.execute(
            "INSERT INTO till_cash_ups (entry_id, expected, counted) VALUES (?, ?, ?)",
            (str(entry_id), made.expected, made.counted),
        )

    return till.record("cash_up", CashUp, build, rows, idempotency=idempotency)


def cash_up_answer(till: TillContext, recorded: Recorded[CashUp]) -> CashUpOut:
    made = recorded.payload
    seen = till.store.read(lambda conn: _period(conn, till, before_seq=recorded.entry.seq)).figures
    return CashUpOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        currency=made.currency,
        opening_float=made.opening_float,
        cash_sales=seen.cash_sales,
        cash_refunded=seen.cash_refunded,
        expected=made.expected,
        counted=made.counted,
        difference=made.counted - made.expected,
    )


_LAST_CASH_UP = """SELECT max(j.seq), max(j.occurred_at) FROM till_cash_ups AS c
    JOIN journal AS j ON j.id = c.entry_id WHERE j.seq < ?"""
_SALES = """SELECT j.kind, j.payload FROM till_sales AS s JOIN journal AS j ON j.id = s.entry_id
    WHERE j.seq > ? AND j.seq < ?"""
_VOIDED = """SELECT j.kind, j.payload FROM till_sales AS s JOIN journal AS j ON j.id = s.entry_id
    JOIN journal AS v ON v.id = s.voided_by WHERE v.seq > ? AND v.seq < ?"""
_REFUNDED = """SELECT coalesce(sum(r.cash_refunded), 0) FROM till_returns AS r JOIN journal AS j ON j.id = r.entry_id
    WHERE j.seq > ? AND j.seq < ?"""


@dataclass(frozen=True)
class Period:
    sales: list[Sale]  # every sale of the period, voided ones too (their void is cash out)
    figures: CashFigures


def _period(conn: sqlite3.Connection, till: TillContext, before_seq: int | None = None) -> Period:
    """Cash in and out between the last cash-up and ``before_seq`` (by default: now).

    A void hands a sale's cash back when it is recorded, so a sale and its void in one period
    cancel out, and a void of an earlier period's sale is this period's cash out.
    """
    upto = before_seq if before_seq is not None else 2**62
    since_seq, since_at = conn.execute(_LAST_CASH_UP, (upto,)).fetchone()
    since = since_seq or 0
    sales = [return_rules.sale_of(kind, payload) for kind, payload in conn.execute(_SALES, (since, upto))]
    voided = [return_rules.sale_of(kind, payload) for kind, payload in conn.execute(_VOIDED, (since, upto))]
    refunded = int(conn.execute(_REFUNDED, (since, upto)).fetchone()[0])
    figures = CashFigures(
        currency=till.currency,
        cash_sales=rules.cash_expected(0, sales),
        cash_refunded=refunded + rules.cash_expected(0, voided),
        since=None if since_at is None else parse_instant(since_at),
    )
    return Period(sales=sales, figures=figures)
