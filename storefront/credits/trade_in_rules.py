"""A brand's trade-in valuation rules, stored whole; a brand that has set none is valued by the defaults."""

from __future__ import annotations

import uuid

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.credits.models import TradeInRules
from storefront.credits.schemas import TradeInRulesOut
from storefront.credits.valuation import ValuationRules, default_rules, rules_problems
from storefront.errors import FieldError, raise_field_errors
from storefront.tenancy import brand_currency


async def valuation_rules(brand_id: uuid.UUID) -> ValuationRules:
    """The rules a brand's trade-ins are valued by: its own, or the defaults in its currency."""
    return (await get_trade_in_rules(brand_id)).rules


async def get_trade_in_rules(brand_id: uuid.UUID) -> TradeInRulesOut:
    row = await TradeInRules.get_or_none(brand_id=brand_id)
    if row is None:
        return TradeInRulesOut(rules=default_rules(await brand_currency(brand_id)), is_default=True)
    return TradeInRulesOut(
        rules=msgspec.convert(row.rules, ValuationRules), is_default=False, updated_at=row.updated_at
    )


async def put_trade_in_rules(brand_id: uuid.UUID, data: ValuationRules) -> TradeInRulesOut:
    """Replace the brand's rules as a whole (every field given); a quote already given keeps its amount."""
    errors = [FieldError(f"body.{field}", message) for field, message in rules_problems(data)]
    currency = await brand_currency(brand_id)
    if data.currency != currency:
        errors.append(FieldError("body.currency", f"trade-in credit is in the brand's currency, {currency}"))
    raise_field_errors(errors)
    stored = msgspec.to_builtins(data)
    try:
        await _store_rules(brand_id, stored)
    except IntegrityError:  # two first PUTs raced to create the row: the loser updates it
        await _store_rules(brand_id, stored)
    return await get_trade_in_rules(brand_id)


async def _store_rules(brand_id: uuid.UUID, stored: dict[str, object]) -> None:
    async with in_transaction():
        row = await TradeInRules.filter(brand_id=brand_id).select_for_update().first()
        if row is None:
            await TradeInRules.create(brand_id=brand_id, rules=stored)
        else:
            row.rules = stored
            await row.save(update_fields=["rules", "updated_at"])
