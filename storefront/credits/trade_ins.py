"""Trade-ins: a shopper's estimate, the bag's steps at the desk, and the credit it earns.

Each step locks the trade-in's row (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers)
and is recorded as a :class:`TradeInStep` with who took it and when. A step retried to the status
the trade-in already has, with the same inputs, answers what the first did and writes nothing,
so a client that lost an answer may simply ask again. Accepting issues the credit through
:func:`storefront.credits.service.issue` inside the same transaction, under a key derived from
the trade-in: the credit and the status change are committed together or not at all, and a
racing or repeated accept finds the trade-in accepted and answers it without the code.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import cast

from tortoise.transactions import in_transaction

from storefront.catalog import service as catalog
from storefront.catalog import size_class as size_class_of
from storefront.credits import service
from storefront.credits.models import Credit, CreditLot, TradeIn, TradeInPhoto, TradeInStep
from storefront.credits.trade_in_rules import valuation_rules
from storefront.credits.trade_in_schemas import (
    AcceptedTradeIn,
    IssuedTradeInCredit,
    TradeInIn,
    TradeInOut,
    TradeInSummary,
)
from storefront.credits.trade_in_states import Status, check_step, illegal_step
from storefront.credits.trade_in_views import quote_of, stored, summary, trade_in_out
from storefront.credits.valuation import Grade, Quote, SizeClass, TradeInItem, quote
from storefront.errors import Conflict, FieldError, NotFound, raise_field_errors
from storefront.pagination import Page, page_of, page_query


def _not_found() -> NotFound:
    return NotFound("no such trade-in", errors=[FieldError("path.trade_in_id", "no such trade-in")])


async def _locked(brand_id: uuid.UUID, trade_in_id: uuid.UUID) -> TradeIn:
    """The brand's trade-in, locked for the rest of the caller's transaction; another brand's is a 404."""
    row = await TradeIn.filter(brand_id=brand_id, id=trade_in_id).select_for_update().first()
    if row is None:
        raise _not_found()
    return row


async def _view(row: TradeIn) -> TradeInOut:
    steps = await TradeInStep.filter(trade_in_id=row.id).order_by("id")
    photos = await TradeInPhoto.filter(trade_in_id=row.id).order_by("id")
    lot = await CreditLot.filter(credit_id=row.credit_id).order_by("id").first() if row.credit_id else None
    return trade_in_out(row, steps, photos, lot)


def _item(row: TradeIn, grade: str) -> TradeInItem:
    return TradeInItem(
        category=row.category,
        size_class=cast("SizeClass", row.size_class),
        material=row.material,
        grade=cast("Grade", grade),
        own_brand=row.own_brand,
        spend_on_new=row.spend_on_new,
    )


async def _record(
    row: TradeIn, to: Status, *, actor: str, now: datetime, note: str = "", quote: Quote | None = None
) -> None:
    await TradeInStep.create(
        trade_in_id=row.id,
        from_status=row.status,
        to_status=to,
        grade=row.grade,
        actor=actor,
        at=now,
        note=note,
        quote=stored(quote) if quote is not None else None,
    )
    row.status = to
    row.updated_at = now


# --- starting and reading ---------------------------------------------------------------------


async def start_trade_in(brand_id: uuid.UUID, data: TradeInIn, *, actor: str, now: datetime) -> TradeInOut:
    """A new trade-in, quoted by the brand's rules at ``now``: a shopper's estimate or a staff intake."""
    errors: list[FieldError] = []
    if (data.size_class is None) == (data.dimensions is None):
        errors.append(FieldError("body.size_class", "give the size class or the dimensions, one of them"))
    if data.product is not None and not data.own_brand:
        errors.append(FieldError("body.product", "only a bag of our own names one of our products"))
    elif data.product is not None and not await catalog.existing_handles(brand_id, [data.product]):
        errors.append(FieldError("body.product", "no product with this handle"))
    raise_field_errors(errors)
    if data.dimensions is not None:
        dims = data.dimensions
        size: SizeClass = size_class_of(dims.length_mm, dims.width_mm, dims.height_mm)
    else:
        size = cast("SizeClass", data.size_class)
    item = TradeInItem(
        category=data.category,
        size_class=size,
        material=data.material,
        grade=data.condition,
        own_brand=data.own_brand,
        spend_on_new=data.spend_on_new,
    )
    offered = quote(await valuation_rules(brand_id), item, now)
    async with in_transaction():
        row = await TradeIn.create(
            brand_id=brand_id,
            status="quoted",
            category=data.category,
            size_class=size,
            material=data.material,
            quoted_grade=data.condition,
            grade=data.condition,
            own_brand=data.own_brand,
            product_handle=data.product,
            description=data.description,
            email=data.email or "",
            spend_on_new=data.spend_on_new,
            first_quote=stored(offered),
            quote=stored(offered),
            valid_until=offered.valid_until,
            created_at=now,
            updated_at=now,
        )
        await TradeInStep.create(
            trade_in_id=row.id, to_status="quoted", grade=row.grade, actor=actor, at=now, quote=stored(offered)
        )
    return await _view(row)


async def get_trade_in(brand_id: uuid.UUID, trade_in_id: uuid.UUID) -> TradeInOut:
    row = await TradeIn.get_or_none(brand_id=brand_id, id=trade_in_id)
    if row is None:
        raise _not_found()
    return await _view(row)


async def list_trade_ins(
    brand_id: uuid.UUID, *, status: Status | None, cursor: str | None, limit: int
) -> Page[TradeInSummary]:
    """The staff queue, in id order, optionally of one status (the ``(brand_id, status, id)`` index)."""
    query = TradeIn.filter(brand_id=brand_id)
    if status is not None:
        query = query.filter(status=status)
    rows = await page_query(query, cursor, limit)
    return page_of([summary(r) for r in rows], [r.id for r in rows], limit)


# --- the steps at the desk --------------------------------------------------------------------


async def _last_step(row: TradeIn) -> TradeInStep | None:
    return await TradeInStep.filter(trade_in_id=row.id).order_by("-id").first()


async def _replays(row: TradeIn, to: Status, note: str, grade: str | None = None) -> bool:
    """Whether this step was taken already with these inputs: the trade-in is ``to`` and its last step says so."""
    if row.status != to:
        return False
    last = await _last_step(row)
    return last is not None and last.to_status == to and last.note == note and (grade is None or last.grade == grade)


async def _simple_step(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, to: Status, *, actor: str, now: datetime, note: str = ""
) -> TradeInOut:
    async with in_transaction():
        row = await _locked(brand_id, trade_in_id)
        if not await _replays(row, to, note):
            if row.status == to:
                raise Conflict(
                    f"this trade-in is {to} already, for another reason",
                    errors=[FieldError("status", f"is {to}")],
                    extensions={"trade_in_status": to},
                )
            check_step(cast("Status", row.status), to)
            if to == "received":
                row.received_at = now
            await _record(row, to, actor=actor, now=now, note=note)
            await row.save()
    return await _view(row)


async def receive(brand_id: uuid.UUID, trade_in_id: uuid.UUID, *, actor: str, now: datetime) -> TradeInOut:
    """The bag has arrived at the desk."""
    return await _simple_step(brand_id, trade_in_id, "received", actor=actor, now=now)


async def reject(brand_id: uuid.UUID, trade_in_id: uuid.UUID, reason: str, *, actor: str, now: datetime) -> TradeInOut:
    """No credit for this bag; it goes back to the shopper next (``return``)."""
    return await _simple_step(brand_id, trade_in_id, "rejected", actor=actor, now=now, note=reason)


async def return_bag(brand_id: uuid.UUID, trade_in_id: uuid.UUID, *, actor: str, now: datetime) -> TradeInOut:
    """The shopper has the bag back: after a rejection, or because they changed their mind before acceptance."""
    return await _simple_step(brand_id, trade_in_id, "returned", actor=actor, now=now)


async def inspect(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, condition: Grade, notes: str, *, actor: str, now: datetime
) -> TradeInOut:
    """Grade the bag as found and quote it again by the brand's rules at ``now``.

    Inspecting an inspected bag again is a re-grade (or a fresh quote once the last has expired);
    the same grade and notes again is a retry, answered unchanged.
    """
    rules = await valuation_rules(brand_id)
    async with in_transaction():
        row = await _locked(brand_id, trade_in_id)
        if not await _replays(row, "inspected", notes, condition):
            check_step(cast("Status", row.status), "inspected")
            offered = quote(rules, _item(row, condition), now)
            row.grade = condition
            row.quote = stored(offered)
            row.valid_until = offered.valid_until
            await _record(row, "inspected", actor=actor, now=now, note=notes, quote=offered)
            await row.save()
    return await _view(row)


async def accept(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, *, actor: str, now: datetime, code_key: bytes
) -> AcceptedTradeIn:
    """Issue the credit the current quote offers; the code is in this answer and never again."""
    rules = await valuation_rules(brand_id)
    code: str | None = None
    async with in_transaction():
        row = await _locked(brand_id, trade_in_id)
        if row.credit_id is None:
            check_step(cast("Status", row.status), "accepted")
            offered = quote_of(row.quote)
            if offered.valid_until <= now:
                raise Conflict(
                    f"the quote expired at {offered.valid_until.isoformat()}: inspect the bag again for a fresh quote",
                    errors=[FieldError("quote.valid_until", "expired")],
                )
            if offered.amount.amount < 1:
                raise Conflict(
                    "the quote is worth nothing: reject the trade-in or give the bag back",
                    errors=[FieldError("quote.amount", "nothing to credit")],
                )
            days = rules.credit_valid_days
            code, credit, _ = await service.issue(
                brand_id,
                offered.amount,
                key=f"trade-in:{row.id}",
                reason=f"trade-in {row.id}",
                actor=actor,
                code_key=code_key,
                now=now,
                expires_at=now + timedelta(days=days) if days is not None else None,
            )
            row.credit_id = credit.id
            row.accepted_at = now
            await _record(row, "accepted", actor=actor, now=now, quote=offered)
            await row.save()
        else:
            credit = await Credit.get(id=row.credit_id)
    view = await service.credit_view(credit, now)
    return AcceptedTradeIn(
        trade_in=await _view(row),
        credit=IssuedTradeInCredit(code=code, balance=view.balance, expires_at=view.expires_at),
    )


async def record_listing(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, sku: str, *, actor: str, now: datetime
) -> TradeInOut:
    """The accepted bag is for sale again as refurbished stock, under ``sku``."""
    async with in_transaction():
        row = await _locked(brand_id, trade_in_id)
        if row.status == "listed":
            if row.listed_sku != sku:
                raise illegal_step("listed", "listed")
        else:
            check_step(cast("Status", row.status), "listed")
            row.listed_sku = sku
            await _record(row, "listed", actor=actor, now=now, note=f"listed as {sku}")
            await row.save()
    return await _view(row)


async def trade_in_for_listing(brand_id: uuid.UUID, trade_in_id: uuid.UUID) -> TradeIn:
    """The trade-in to list: accepted (or listed already, for a retry); a 409 naming its status otherwise."""
    row = await TradeIn.get_or_none(brand_id=brand_id, id=trade_in_id)
    if row is None:
        raise _not_found()
    if row.status not in ("accepted", "listed"):
        raise illegal_step(cast("Status", row.status), "listed")
    return row


async def awaiting_inspection(brand_id: uuid.UUID) -> int:
    """Bags received and not graded yet: the inspection queue's length."""
    return await TradeIn.filter(brand_id=brand_id, status="received").count()
