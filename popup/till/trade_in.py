"""Trade-in intake at the stall: the pack's valuation rules quote the bag, staff confirm, a credit is issued.

The quote is the online one (:func:`storefront.credits.valuation.quote`, the same rules and the
same rounding, the till's clock injected), shown line by line before staff confirm, so a bag is
worth the same at the stall as on the website. On confirmation the credit is issued offline: a
code with the device's mark as its prefix, recorded in the ``trade_in`` entry, shown once and
spendable at this till at once (as a credit tender, up to its amount); the storefront creates it
when the entry syncs. A pack without valuation rules means this stall takes no trade-ins.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta

import msgspec

from popup.till import issued_credits, selling
from popup.till.action_errors import QuoteChanged, TradeInRefused, TradeInsOff
from popup.till.action_schemas import IssuedCreditOut, QuoteLineOut, QuoteOut, TradeInIn, TradeInOut
from popup.till.context import Idempotency, Recorded, TillContext
from storefront.credits import valuation
from storefront.events.journal import TradeIn

COUNTER = selling.SALE_COUNTER  # one running number for everything the till numbers


def rules_of(till: TillContext) -> valuation.ValuationRules:
    rules = till.pack.valuation
    if rules is None:
        raise TradeInsOff("this stall takes no trade-ins: the event pack carries no valuation rules")
    if rules.currency != till.currency:
        raise TradeInsOff(f"the pack values trade-ins in {rules.currency}, but this stall sells in {till.currency}")
    problems = valuation.rules_problems(rules)
    if problems:  # the storefront checks rules when they are saved; a pack is still not trusted to be whole
        raise TradeInsOff("the pack's valuation rules are incomplete: " + "; ".join(m for _, m in problems))
    return rules


def quote(till: TillContext, data: TradeInIn) -> QuoteOut:
    """What the bag is worth under the pack's rules, each step a line; nothing is recorded."""
    item = valuation.TradeInItem(
        category=data.category,
        size_class=data.size_class,
        material=data.material,
        grade=data.grade,
        own_brand=data.own_brand,
        spend_on_new=data.spend_on_new,
    )
    made = valuation.quote(rules_of(till), item, till.now())
    return QuoteOut(
        amount=made.amount.amount,
        currency=made.amount.currency,
        lines=[QuoteLineOut(rule=line.rule, text=line.text, amount=line.amount.amount) for line in made.lines],
    )


def credit_expiry(till: TillContext, at: datetime) -> datetime | None:
    days = rules_of(till).credit_valid_days
    return None if days is None else at + timedelta(days=days)


def take_in(
    till: TillContext, data: TradeInIn, staff: str, idempotency: Idempotency | None = None
) -> Recorded[TradeIn]:
    """Record the intake and issue its credit; refused (nothing recorded) with no rules or nothing to pay."""
    code = issued_credits.mint(till)

    def build(number: str) -> TradeIn:
        offered = quote(till, data)
        if data.quoted is not None and data.quoted != offered.amount:
            raise QuoteChanged(
                f"the quote is now {offered.amount}, not the {data.quoted} confirmed: show the shopper the new quote",
                extensions={"amount": offered.amount},
            )
        if offered.amount <= 0:
            raise TradeInRefused("this bag is valued at nothing under the stall's rules: there is no credit to issue")
        made = TradeIn(
            number=number,
            currency=offered.currency,
            category=data.category,
            size_class=data.size_class,
            material=data.material,
            grade=data.grade,
            own_brand=data.own_brand,
            description=data.description,
            amount=offered.amount,
            code=code,
            staff=staff,
        )
        try:
            return msgspec.json.decode(msgspec.json.encode(made), type=TradeIn)
        except msgspec.ValidationError as exc:
            raise TradeInRefused(f"this trade-in cannot be recorded as entered: {exc}") from None

    def rows(conn: sqlite3.Connection, entry_id: uuid.UUID, made: TradeIn) -> None:
        issued_credits.issue(conn, till, entry_id, made.code, made.amount, credit_expiry(till, till.now()))

    return till.record_numbered("trade_in", COUNTER, TradeIn, build, rows, idempotency=idempotency)


def answer(till: TillContext, data: TradeInIn, recorded: Recorded[TradeIn]) -> TradeInOut:
    made = recorded.payload
    shown: IssuedCreditOut = issued_credits.shown(
        till, made.code, made.amount, credit_expiry(till, recorded.entry.occurred_at)
    )
    return TradeInOut(
        id=recorded.entry.id,
        seq=recorded.entry.seq,
        number=made.number,
        quote=quote(till, data),
        credit=shown,
    )
