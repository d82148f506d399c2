"""A shopper's trade-in estimate before anything is saved: the brand's choices, and a quote by its rules.

The estimator component asks for a quote on every change of its form, so this reads the
brand's rules and quotes, and writes nothing: only saving the quote
(:func:`storefront.credits.trade_ins.start_trade_in`) creates a trade-in.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from storefront.credits.trade_in_rules import valuation_rules
from storefront.credits.valuation import Quote, TradeInItem, ValuationRules, quote

OTHER = "other"  # a category or material the brand's rules do not list: valued by their defaults


class EstimatorChoices(msgspec.Struct, frozen=True, kw_only=True):
    """What the estimator offers: the categories and materials the brand values, each list ending in ``other``."""

    currency: str
    categories: list[str]
    materials: list[str]
    new_piece_bonus: int  # per mille; 0: no bonus, so the form does not ask
    validity_days: int


def choices_of(rules: ValuationRules) -> EstimatorChoices:
    """Listed in the rules' own order, then ``other``: a shopper whose bag fits none still gets a quote."""
    return EstimatorChoices(
        currency=rules.currency,
        categories=[*(c for c in rules.base_values if c != OTHER), OTHER],
        materials=[*(m for m in rules.materials if m != OTHER), OTHER],
        new_piece_bonus=rules.new_piece_bonus,
        validity_days=rules.validity_days,
    )


async def estimator_choices(brand_id: uuid.UUID) -> EstimatorChoices:
    return choices_of(await valuation_rules(brand_id))


async def estimate(brand_id: uuid.UUID, item: TradeInItem, now: datetime) -> Quote:
    """What the brand would offer for ``item`` at ``now``: the same quote a saved trade-in would get."""
    return quote(await valuation_rules(brand_id), item, now)
