"""What trade-in rows look like to callers (no queries): the trade-in, its steps, photos and credit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import msgspec

from storefront.credits.models import CreditLot, TradeIn, TradeInPhoto, TradeInStep
from storefront.credits.trade_in_schemas import (
    PhotoOut,
    StepOut,
    TradeInCredit,
    TradeInOut,
    TradeInQuote,
    TradeInSummary,
)
from storefront.credits.trade_in_states import Status
from storefront.credits.valuation import GRADE_NAMES, Grade, Quote, SizeClass
from storefront.money import Money


def quote_of(stored: dict[str, object]) -> Quote:
    return msgspec.convert(stored, Quote)


def quote_out(quote: Quote) -> TradeInQuote:
    return TradeInQuote(amount=quote.amount, valid_until=quote.valid_until, lines=quote.lines)


def stored(quote: Quote) -> dict[str, object]:
    return cast("dict[str, object]", msgspec.to_builtins(quote))


def quote_change(row: TradeIn, first: Quote, current: Quote) -> str | None:
    """Why the quote now differs from the first, in a line the shopper reads; None when it does not."""
    if row.grade != row.quoted_grade:
        grade = cast("Grade", row.grade)
        return f"Graded {grade} at inspection ({GRADE_NAMES[grade]}), quoted as {row.quoted_grade}"
    if current.amount != first.amount:
        return "Quoted again at inspection, under the brand's current rules"
    return None


def photo_out(photo: TradeInPhoto) -> PhotoOut:
    return PhotoOut(
        id=photo.id,
        content_type=photo.content_type,
        bytes=photo.size_bytes,
        href=f"/v1/trade-ins/{photo.trade_in_id}/photos/{photo.id}",
        created_at=photo.created_at,
    )


def step_out(step: TradeInStep) -> StepOut:
    return StepOut(
        from_status=cast("Status", step.from_status) if step.from_status else None,
        to_status=cast("Status", step.to_status),
        condition=cast("Grade", step.grade),
        actor=step.actor,
        at=step.at,
        note=step.note,
        quote=quote_out(quote_of(step.quote)) if step.quote is not None else None,
    )


def trade_in_out(
    row: TradeIn, steps: Sequence[TradeInStep], photos: Sequence[TradeInPhoto], lot: CreditLot | None
) -> TradeInOut:
    first, current = quote_of(row.first_quote), quote_of(row.quote)
    credit = None
    if row.credit_id is not None:
        amount = lot.amount_minor if lot is not None else current.amount.amount
        credit = TradeInCredit(
            id=row.credit_id,
            amount=Money(amount=amount, currency=current.amount.currency),
            expires_at=lot.expires_at if lot is not None else None,
        )
    return TradeInOut(
        id=row.id,
        status=cast("Status", row.status),
        category=row.category,
        size_class=cast("SizeClass", row.size_class),
        material=row.material,
        condition=cast("Grade", row.grade),
        quoted_condition=cast("Grade", row.quoted_grade),
        own_brand=row.own_brand,
        product=row.product_handle,
        description=row.description,
        email=row.email or None,
        spend_on_new=row.spend_on_new,
        quote=quote_out(current),
        first_quote=quote_out(first),
        quote_change=quote_change(row, first, current),
        steps=[step_out(s) for s in steps],
        photos=[photo_out(p) for p in photos],
        credit=credit,
        listed_sku=row.listed_sku,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def summary(row: TradeIn) -> TradeInSummary:
    current = quote_of(row.quote)
    return TradeInSummary(
        id=row.id,
        status=cast("Status", row.status),
        category=row.category,
        size_class=cast("SizeClass", row.size_class),
        material=row.material,
        condition=cast("Grade", row.grade),
        own_brand=row.own_brand,
        quote=current.amount,
        valid_until=current.valid_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
