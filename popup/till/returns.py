"""Returns and exchanges of this till's sales: the rules of :mod:`popup.till.return_rules`, then recorded.

A return names a sale of this till (by id or receipt number), the lines coming back (each back on
sale or set aside) and how the money goes back: in the sale's own tenders (cash over the counter,
a card refund done on the terminal with its reference, a credit share as a new code) or all of it
as a new store credit code. An exchange is a return and a new sale as one journal entry: the
returned value pays towards the new sale through a credit code issued and spent in the same
entry (so the server sees where the money went), the rest is paid by tenders as at a sale, and a
return worth more than the new sale gives the difference back as a return does.

Both are numbered from the sales' own running counter, so receipt numbers stay one sequence: an
exchange takes two, its return's and its sale's. What came back already and what was refunded
are read under the till's action lock, so two returns of one sale never both take its last unit.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from popup.till import issued_credits, return_rules, rules, selling, state
from popup.till.action_errors import NotReturnable, ReturnRefused
from popup.till.action_schemas import (
    ExchangeIn,
    ExchangeOut,
    IssuedCreditOut,
    RefundOut,
    ReturnableLine,
    ReturnableSale,
    ReturnIn,
    ReturnLineIn,
    ReturnOut,
)
from popup.till.context import Idempotency, Recorded, TillContext
from popup.till.errors import SaleNotFound, SaleRefused
from popup.till.schemas import LineIn
from storefront.events.journal import Exchange, Return, ReturnLine, Sale, SaleLine, Tender

COUNTER = selling.SALE_COUNTER
S = TypeVar("S", bound=msgspec.Struct)


@dataclass(frozen=True)
class Original:
    """A sale of this till as a return sees it: what it sold and what earlier returns took back."""

    entry_id: uuid.UUID
    sale: Sale
    before: Counter[str]
    refunded: int


def find(conn: sqlite3.Connection, sale_id: uuid.UUID | None, receipt: str | None) -> Original:
    """The sale named by id or receipt number, with its earlier returns; refused if voided or not here."""
    if sale_id is None and receipt is None:
        raise ReturnRefused("type the receipt number of the sale that comes back")
    if sale_id is not None and receipt is not None:
        raise ReturnRefused("name the sale by its receipt number or by its id, not both")
    if sale_id is None:
        row = conn.execute("SELECT entry_id FROM till_sales WHERE number = ?", (receipt,)).fetchone()
        if row is None:
            raise SaleNotFound(f"there is no sale {receipt} at this till")
        sale_id = uuid.UUID(row[0])
    found = state.sale_row(conn, sale_id)
    entry = state.entry_by_id(conn, sale_id) if found is not None else None
    if found is None or entry is None:
        raise SaleNotFound(f"there is no sale {receipt or sale_id} at this till")
    sale = return_rules.sale_of(entry.kind, entry.payload)
    if found.voided_by is not None:
        raise NotReturnable(f"sale {sale.number} was voided: its money has gone back already")
    earlier = [
        return_rules.return_of(returned.kind, returned.payload)
        for (returned_id,) in conn.execute("SELECT entry_id FROM till_returns WHERE sale_id = ?", (str(sale_id),))
        if (returned := state.entry_by_id(conn, uuid.UUID(returned_id))) is not None
    ]
    return Original(
        entry_id=sale_id,
        sale=sale,
        before=return_rules.returned_units(earlier),
        refunded=return_rules.refunded(earlier),
    )


def returnable(till: TillContext, sale_id: uuid.UUID | None, receipt: str | None) -> ReturnableSale:
    """What a sale can still give back, unit value by unit value, for the return form."""
    original = till.store.read(lambda conn: find(conn, sale_id, receipt))
    units = return_rules.unit_values(original.sale)
    left = return_rules.returnable(original.sale, original.before)
    sold = return_rules.sold_units(original.sale)
    return ReturnableSale(
        id=original.entry_id,
        number=original.sale.number,
        currency=original.sale.currency,
        total=original.sale.total,
        refunded=original.refunded,
        tenders=list(dict.fromkeys(tender.kind for tender in original.sale.tenders)),
        lines=[
            ReturnableLine(
                sku=sku,
                title=product.title if (product := till.products.get(sku)) else sku,
                sold=sold[sku],
                returnable=left[sku],
                unit_value=units[sku][original.before.get(sku, 0)] if left[sku] else 0,
            )
            for sku in sold
        ],
    )


def take_back(
    till: TillContext, data: ReturnIn, staff: str, idempotency: Idempotency | None = None
) -> Recorded[Return]:
    """Record a return with its refund; :class:`ReturnRefused` (nothing recorded) if it cannot be."""
    code = issued_credits.mint(till)

    def build(number: str) -> Return:
        original = till.store.read(lambda conn: find(conn, data.sale, data.receipt))
        lines = _lines(data.lines)
        try:
            value = return_rules.refund_value(original.sale, original.before, lines)
            if data.refund == "credit":
                refund = [return_rules.as_credit(value, code)] if value else []
            else:
                parts = return_rules.refund_split(original.sale.tenders, original.refunded, value)
                refund = return_rules.refund_tenders(
                    original.sale.tenders, parts, card_reference=data.card_reference, credit_code=code
                )
        except rules.TillRefusal as refusal:
            raise ReturnRefused(str(refusal)) from None
        return _checked(_return_of(original, number, lines, refund, data.reason, staff), Return)

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, made: Return) -> None:
        _returned(conn, till, entry_id, made)

    return till.record_numbered("return", COUNTER, Return, build, rows, idempotency=idempotency)


def _return_of(
    original: Original, number: str, lines: list[ReturnLine], refund: list[Tender], reason: str, staff: str
) -> Return:
    """The journal's return of ``original`` (a sale this till holds), numbered ``number``."""
    return Return(
        sale=original.entry_id,
        number=number,
        currency=original.sale.currency,
        lines=lines,
        refund=refund,
        reason=reason,
        staff=staff,
    )


def exchange(
    till: TillContext, data: ExchangeIn, staff: str, idempotency: Idempotency | None = None
) -> Recorded[Exchange]:
    """Record a return and the new sale it pays towards, as one entry; nothing recorded if either is refused."""
    code = issued_credits.mint(till)
    asked = [selling.asked(till, tender) for tender in data.tenders]
    wanted = _priced(till, data.lines)

    def build(number: str) -> Exchange:
        original = till.store.read(lambda conn: find(conn, data.sale, data.receipt))
        lines = _lines(data.returned)
        try:
            value = return_rules.refund_value(original.sale, original.before, lines)
            subtotal = sum(line.quantity * line.unit_price for line in wanted)
            bridge = min(value, subtotal)
            refund = _difference(original, value - bridge, bridge, data, code)
            bridging = [rules.Asked(kind="credit", amount=bridge, code=code)] if bridge else []
            left = till.store.read(lambda conn: selling.credit_left(till, conn, asked))
            sale = rules.sale(
                number=rules.receipt_number(till.mark, _serial(number) + 1),
                currency=till.currency,
                lines=wanted,
                asked=[*bridging, *asked],
                credit_left={**left, code: bridge},
                staff=staff,
                email=data.email,
            )
        except rules.TillRefusal as refusal:
            raise ReturnRefused(str(refusal)) from None
        returned = _return_of(original, number, lines, refund, data.reason, staff)
        return _checked(Exchange(returned=returned, sale=sale), Exchange)

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, made: Exchange) -> None:
        state.bump_counter(conn, COUNTER, expected=_serial(made.sale.number))
        _returned(conn, till, entry_id, made.returned)
        selling.sale_rows(conn, till, entry_id, made.sale)

    return till.record_numbered("exchange", COUNTER, Exchange, build, rows, idempotency=idempotency)


def due_on_exchange(till: TillContext, data: ExchangeIn) -> int:
    """What the new sale costs beyond the returned value (negative: what goes back), before anything is recorded."""
    original = till.store.read(lambda conn: find(conn, data.sale, data.receipt))
    try:
        value = return_rules.refund_value(original.sale, original.before, _lines(data.returned))
    except rules.TillRefusal as refusal:
        raise ReturnRefused(str(refusal)) from None
    return sum(line.quantity * line.unit_price for line in _priced(till, data.lines)) - value


# --- answers ----------------------------------------------------------------------------------------


def return_answer(till: TillContext, recorded: Recorded[Return]) -> ReturnOut:
    made = recorded.payload
    sale_number = till.store.read(lambda conn: find_number(conn, made.sale))
    return ReturnOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        number=made.number,
        sale=made.sale,
        sale_number=sale_number,
        currency=made.currency,
        refunded=sum(tender.amount for tender in made.refund),
        refund=[_refund_out(tender) for tender in made.refund],
        credit=_credit_out(till, made.refund, spent=0),
    )


def exchange_answer(till: TillContext, recorded: Recorded[Exchange]) -> ExchangeOut:
    returned, sale = recorded.payload.returned, recorded.payload.sale
    issued = next((t for t in returned.refund if t.kind == "credit"), None)
    spent = sum(t.amount for t in sale.tenders if issued is not None and t.code == issued.code)
    value = sum(t.amount for t in returned.refund)
    return ExchangeOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        return_number=returned.number,
        sale_number=sale.number,
        currency=sale.currency,
        returned_value=value,
        total=sale.total,
        paid_by_return=spent,
        change=sale.change,
        refund=[_refund_out(t) for t in returned.refund if t is not issued],
        credit=_credit_out(till, returned.refund, spent=spent),
    )


def find_number(conn: sqlite3.Connection, sale_id: uuid.UUID) -> str:
    row = conn.execute("SELECT number FROM till_sales WHERE entry_id = ?", (str(sale_id),)).fetchone()
    return "" if row is None else str(row[0])


# --- helpers ----------------------------------------------------------------------------------------


def _lines(lines: list[ReturnLineIn]) -> list[ReturnLine]:
    return [ReturnLine(sku=line.sku, quantity=line.quantity, restock=line.restock) for line in lines]


def _priced(till: TillContext, lines: list[LineIn]) -> list[SaleLine]:
    try:
        return selling.priced(till, lines)
    except SaleRefused as refusal:
        raise ReturnRefused(refusal.detail) from None


def _difference(original: Original, owed: int, bridge: int, data: ExchangeIn, code: str) -> list[Tender]:
    """The exchange's refund: the bridge credit (spent on the new sale) and what goes back beyond it."""
    if data.refund == "credit":
        back = [return_rules.as_credit(owed, code)] if owed else []
    else:
        parts = return_rules.refund_split(original.sale.tenders, original.refunded + bridge, owed)
        back = return_rules.refund_tenders(
            original.sale.tenders, parts, card_reference=data.card_reference, credit_code=code
        )
    if not bridge:
        return back
    credit = next((t for t in back if t.kind == "credit"), None)
    rest = [t for t in back if t is not credit]
    return [return_rules.as_credit(bridge + (credit.amount if credit else 0), code), *rest]


def _returned(conn: sqlite3.Connection, till: TillContext, entry_id: uuid.UUID, made: Return) -> None:
    """A return's rows: indexed by its sale, restocked lines back on sale, a credit part issued."""
    conn.execute(
        "INSERT INTO till_returns (entry_id, sale_id, number, refunded, cash_refunded) VALUES (?, ?, ?, ?, ?)",
        (
            str(entry_id),
            str(made.sale),
            made.number,
            sum(t.amount for t in made.refund),
            sum(t.amount for t in made.refund if t.kind == "cash"),
        ),
    )
    for line in made.lines:
        if line.restock:
            state.move_stock(conn, till.allocation, line.sku, line.quantity)
    for tender in made.refund:
        if tender.kind == "credit" and tender.code is not None:
            issued_credits.issue(conn, till, entry_id, tender.code, tender.amount)


def _serial(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def _refund_out(tender: Tender) -> RefundOut:
    return RefundOut(kind=tender.kind, amount=tender.amount, reference=tender.reference)


def _credit_out(till: TillContext, refund: list[Tender], *, spent: int) -> IssuedCreditOut | None:
    credit = next((t for t in refund if t.kind == "credit" and t.code is not None), None)
    if credit is None or credit.code is None or credit.amount - spent <= 0:
        return None
    return issued_credits.shown(till, credit.code, credit.amount - spent, None)


def _checked(made: S, shape: type[S]) -> S:
    """The payload as the server will decode it: what the journal contract refuses is never recorded."""
    try:
        return msgspec.json.decode(msgspec.json.encode(made), type=shape)
    except msgspec.ValidationError as exc:
        raise ReturnRefused(f"this cannot be recorded as entered: {exc}") from None
