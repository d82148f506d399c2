"""Selling and voiding at the till: the pure rules applied to the pack and the till's state, then recorded.

The HTML pages and the JSON routes both end here, so a sale rung up by hand and one posted by a
script are the same sale. The arithmetic is :mod:`popup.till.rules`; this module finds what the
rules need (prices from the pack, what each credit code may still pay offline), turns their
refusals into problems staff can read, and records the result with its state change: stock down,
the sale indexed, credit taken. It returns only after the commit, so "paid" is never premature.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence

import msgspec

from popup.till import issued_credits, return_rules, return_state, rules, state
from popup.till.context import Idempotency, Recorded, TillContext
from popup.till.errors import CreditCodeInvalid, SaleNotFound, SaleRefused, VoidRefused
from popup.till.schemas import LineIn, SaleIn, SaleOut, SaleView, StockWarning, TenderIn
from storefront.credits import codes
from storefront.events.journal import Discount, Sale, SaleLine, Void

SALE_COUNTER = "receipt"


def sell(till: TillContext, data: SaleIn, staff: str, idempotency: Idempotency | None = None) -> Recorded[Sale]:
    """Price, settle and record a sale; :class:`SaleRefused` (nothing recorded) if it cannot be completed."""
    lines = priced(till, data.lines)
    wanted = [asked(till, tender) for tender in data.tenders]
    discount = None if data.discount is None else Discount(**msgspec.structs.asdict(data.discount), staff=staff)

    def build(number: str) -> Sale:
        try:
            made = rules.sale(
                number=number,
                currency=till.currency,
                lines=lines,
                asked=wanted,
                credit_left=till.store.read(lambda conn: credit_left(till, conn, wanted)),
                staff=staff,
                discount=discount,
                email=data.email,
            )
        except rules.TillRefusal as refusal:
            raise SaleRefused(str(refusal)) from None
        return _checked(made)

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, sale: Sale) -> None:
        sale_rows(conn, till, entry_id, sale)

    return till.record_numbered("sale", SALE_COUNTER, Sale, build, rows, idempotency=idempotency)


def sale_rows(conn: sqlite3.Connection, till: TillContext, entry_id: uuid.UUID, sale: Sale) -> None:
    """A sale's state change (inside its record transaction): indexed, stock down, credit taken."""
    state.add_sale(conn, entry_id, sale.number, till.now(), sale.total)
    for line in sale.lines:
        state.move_stock(conn, till.allocation, line.sku, -line.quantity)
    for tender in sale.tenders:
        if tender.kind == "credit" and tender.code is not None:
            state.use_credit(conn, entry_id, till.credit_lookup(tender.code), tender.amount)


def stock_warnings(till: TillContext, sale: Sale) -> list[StockWarning]:
    """The sale's SKUs now below zero at the stall (sold past the allocation)."""
    levels = till.store.read(lambda conn: state.stock_levels(conn, till.allocation, [ln.sku for ln in sale.lines]))
    return [StockWarning(sku=sku, level=level) for sku, level in levels.items() if level < 0]


def answer(till: TillContext, recorded: Recorded[Sale]) -> SaleOut:
    sale = recorded.payload
    return SaleOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        number=sale.number,
        currency=sale.currency,
        total=sale.total,
        change=sale.change,
        warnings=stock_warnings(till, sale),
    )


def view(till: TillContext, sale_id: uuid.UUID) -> SaleView:
    def query(conn: sqlite3.Connection) -> SaleView | None:
        row = state.sale_row(conn, sale_id)
        entry = state.entry_by_id(conn, sale_id) if row is not None else None
        if row is None or entry is None:
            return None
        sale = return_rules.sale_of(entry.kind, entry.payload)  # an exchange's new sale too
        return SaleView(id=entry.id, seq=entry.seq, occurred_at=entry.occurred_at, voided_by=row.voided_by, sale=sale)

    found = till.store.read(query)
    if found is None:
        raise SaleNotFound(f"there is no sale {sale_id} at this till")
    return found


def void(
    till: TillContext, sale_id: uuid.UUID, reason: str, staff: str, idempotency: Idempotency | None = None
) -> Recorded[Void]:
    """Undo a sale of the stall's day: stock back, credit back; the money goes back as it was paid."""
    sold: list[Sale] = []

    def build() -> Void:
        original = view(till, sale_id)
        if original.voided_by is not None:
            raise VoidRefused(f"sale {original.sale.number} is already voided")
        if till.local_day(original.occurred_at) != till.local_day(till.now()):
            raise VoidRefused(
                f"sale {original.sale.number} is from an earlier day: only today's sales can be voided, "
                "take it back as a return instead"
            )
        refusal = till.store.read(lambda conn: return_state.void_refusal(conn, sale_id))
        if refusal is not None:
            raise VoidRefused(f"sale {original.sale.number}: {refusal}")
        sold.append(original.sale)
        return Void(sale=sale_id, reason=reason, staff=staff)

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, _: Void) -> None:
        if not state.mark_voided(conn, sale_id, entry_id):
            raise VoidRefused("this sale is already voided")
        for line in sold[0].lines:
            state.move_stock(conn, till.allocation, line.sku, line.quantity)
        for tender in sold[0].tenders:
            if tender.kind == "credit" and tender.code is not None:
                state.use_credit(conn, entry_id, till.credit_lookup(tender.code), -tender.amount)

    return till.record("void", Void, build, rows, idempotency=idempotency)


def credit_available(till: TillContext, typed: str) -> int:
    """What a typed credit code may still pay at this till (0: not a credit the stall may take)."""
    try:
        code = codes.parse(typed)
    except codes.BadCode as bad:
        raise CreditCodeInvalid(str(bad)) from None
    typed_once = [rules.Asked(kind="credit", amount=1, code=code)]
    return till.store.read(lambda conn: credit_left(till, conn, typed_once)).get(code, 0)


# --- what the rules need -----------------------------------------------------------------------


def priced(till: TillContext, lines: Sequence[LineIn]) -> list[SaleLine]:
    """Lines at the pack's prices, each with its limited drop; :class:`SaleRefused` for an unknown SKU."""
    prices = {sku: product.price for sku, product in till.products.items()}
    try:
        found = rules.priced_lines([(line.sku, line.quantity) for line in lines], prices)
    except rules.TillRefusal as refusal:
        raise SaleRefused(str(refusal)) from None
    out = []
    for line in found:
        drop = till.products[line.sku].drop
        out.append(line if drop is None else msgspec.structs.replace(line, drop=drop.handle))
    return out


def asked(till: TillContext, tender: TenderIn) -> rules.Asked:
    code = None
    if tender.kind == "credit":
        if tender.code is None:
            raise SaleRefused("type the credit code to pay by credit")
        try:
            code = codes.parse(tender.code)
        except codes.BadCode as bad:
            raise CreditCodeInvalid(str(bad)) from None
    return rules.Asked(kind=tender.kind, amount=tender.amount, reference=tender.reference, code=code)


def credit_left(till: TillContext, conn: sqlite3.Connection, tenders: Sequence[rules.Asked]) -> dict[str, int]:
    """What each typed code may still pay here: its pack cap less what this till took, if it is usable now."""
    left: dict[str, int] = {}
    codes_typed = [tender.code for tender in tenders if tender.kind == "credit" and tender.code is not None]
    if len(codes_typed) != len(set(codes_typed)):
        raise SaleRefused("each credit code pays once per sale: put its whole amount in one payment")
    now = till.now()
    for code in codes_typed:
        lookup = till.credit_lookup(code)
        credit = till.credits.get(lookup)
        if credit is None and (issued := issued_credits.left(conn, lookup, now)) is not None:
            left[code] = issued  # a code this till issued itself (a trade-in's, a refund's)
            continue
        if credit is None or credit.currency != till.currency:
            continue  # rules.settle refuses it: not a credit this stall may take offline
        if credit.expires_at is not None and credit.expires_at <= now:
            raise SaleRefused("this credit has expired")
        left[code] = max(0, credit.cap - state.credit_taken(conn, lookup))
    return left


def _checked(sale: Sale) -> Sale:
    """The sale as the server will decode it: a payload the journal contract refuses is never recorded."""
    try:
        return msgspec.json.decode(msgspec.json.encode(sale), type=Sale)
    except msgspec.ValidationError as exc:
        raise SaleRefused(f"this sale cannot be recorded as entered: {exc}") from None
