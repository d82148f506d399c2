"""``trade-in-estimator``: what an old bag is worth in store credit, quoted live as the shopper describes it.

The shopper chooses the kind of bag, its size, its material and its condition (each grade said
in words), says whether it is one of the brand's, and, when the brand pays a bonus for it, whether
the credit goes on a new piece. The choices of kind and material are the brand's own valuation
rules' (:mod:`storefront.credits.estimates`), each list ending in "something else", valued by the
rules' defaults, so no bag is turned away by the form.

Every change posts the form (htmx, ``hx-trigger="change"``) to ``POST /v1/components/trade-in-estimator``
(:mod:`components.actions.trade_ins`) and the quote region is replaced inside a live region that
stays on the page, so the new amount is announced and the focus stays on the control the shopper
changed. The quote shows its amount, how long it holds and every line of the valuation, which add
up to the amount. Without script the same form is submitted with its "See my quote" button and the
component comes back with the quote. A change with fields still unchosen says which are missing,
without marking them as errors: the shopper has not finished yet; a submit marks them.

"Save this quote and bring the bag in" creates the trade-in
(:func:`storefront.credits.trade_ins.start_trade_in`) and shows its reference and what to do next.
The reference is the trade-in's id, the shopper's capability to follow it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from components.component import Component
from components.context import Links, LoadContext
from components.size_guide import SIZE_CLASS_RULES
from storefront.credits.estimates import OTHER, EstimatorChoices, estimator_choices
from storefront.credits.trade_in_schemas import TradeInOut
from storefront.credits.valuation import GRADE_NAMES, GRADES, SIZE_CLASSES, Quote
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut

NAME = "trade-in-estimator"
ID_PREFIX = "sk-trade-in"
GRADE_EXPLAINED: dict[str, str] = {
    "A": "Hardly used: no marks, scuffs or wear; corners, handles and lining as they came.",
    "B": "Used with care: a few small marks or slight softening, nothing you notice at arm's length.",
    "C": "Clearly used: scuffed corners, worn handles or marks on the lining, but nothing broken.",
    "D": "Needs a repair: a broken zip, strap or clasp, a tear, or a stain that will not come out.",
}
FIELD_WORDS: dict[str, str] = {
    "category": "Choose what kind of bag it is.",
    "size_class": "Choose its size.",
    "material": "Choose what it is mostly made of.",
    "condition": "Choose the condition that describes it best.",
    "own_brand": "Say whether it is one of our bags.",
    "email": "Enter an email address, like ada@example.com, or leave it empty.",
}
FIELD_NAMES: dict[str, str] = {
    "category": "the kind of bag",
    "size_class": "its size",
    "material": "its material",
    "condition": "its condition",
    "own_brand": "whether it is one of ours",
}
MINUS = "\u2212"  # a true minus sign, as the bag and checkout print one
REQUIRED = ("category", "size_class", "material", "condition", "own_brand")


class Choice(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    label: str
    selected: bool


class GradeChoice(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    label: str  # "A: like new"
    explanation: str
    selected: bool


class QuoteLineView(msgspec.Struct, frozen=True, kw_only=True):
    rule: str
    text: str
    amount: Money  # what this step changed, signed
    change: str  # how it reads: "" for the base value, else "+" or a minus sign before the size of the change
    size: Money  # the change without its sign


class QuoteView(msgspec.Struct, frozen=True, kw_only=True):
    amount: Money
    valid_until: datetime
    valid_days: int
    lines: list[QuoteLineView]


class SavedTradeIn(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    amount: Money
    valid_until: datetime
    next_steps: list[str]


class TradeInEstimatorProps(msgspec.Struct, frozen=True, kw_only=True):
    product: str | None  # the product of the page it sits on, if any
    id_prefix: str
    action_url: str
    categories: list[Choice]
    size_classes: list[Choice]
    materials: list[Choice]
    grades: list[GradeChoice]
    own_brand: bool | None  # None: not said yet
    offers_bonus: bool
    bonus_text: str  # "+10%" when the brand pays one for spending the credit on a new piece
    spend_on_new: bool
    email: str
    quote: QuoteView | None
    missing: str | None  # which choices a live quote still waits for, in words
    saved: SavedTradeIn | None
    errors: dict[str, str] = {}
    message: str | None = None
    locale: str


class EstimatorForm(msgspec.Struct, frozen=True, kw_only=True):
    """What the shopper chose, as posted ("" for nothing chosen)."""

    category: str = ""
    size_class: str = ""
    material: str = ""
    condition: str = ""
    own_brand: str = ""  # "yes" or "no"
    spend_on_new: bool = False
    email: str = ""


def label_of(key: str) -> str:
    """``cross-body`` -> ``Cross body``; ``other`` -> ``Something else``."""
    return "Something else" if key == OTHER else key.replace("-", " ").capitalize()


def percent(per_mille: int) -> str:
    whole, tenth = divmod(per_mille, 10)
    return f"+{whole}.{tenth}%" if tenth else f"+{whole}%"


def form_problems(choices: EstimatorChoices, form: EstimatorForm) -> tuple[dict[str, str], list[str]]:
    """Errors by field for values the form never offers, and the required fields still unchosen."""
    offered: dict[str, list[str]] = {
        "category": choices.categories,
        "size_class": list(SIZE_CLASSES),
        "material": choices.materials,
        "condition": list(GRADES),
        "own_brand": ["yes", "no"],
    }
    errors: dict[str, str] = {}
    missing: list[str] = []
    for field in REQUIRED:
        value = getattr(form, field)
        if not value:
            missing.append(field)
        elif value not in offered[field]:
            errors[field] = FIELD_WORDS[field]
    return errors, missing


def missing_words(missing: list[str]) -> str | None:
    if not missing:
        return None
    names = [FIELD_NAMES[field] for field in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"To see a quote, choose {listed}."


def quote_view(quote: Quote, valid_days: int) -> QuoteView:
    return QuoteView(
        amount=quote.amount,
        valid_until=quote.valid_until,
        valid_days=valid_days,
        lines=[
            QuoteLineView(
                rule=line.rule,
                text=line.text,
                amount=line.amount,
                change="" if line.rule == "base" else (MINUS if line.amount.amount < 0 else "+"),
                size=Money(amount=abs(line.amount.amount), currency=line.amount.currency),
            )
            for line in quote.lines
        ],
    )


def saved_view(trade_in: TradeInOut) -> SavedTradeIn:
    return SavedTradeIn(
        reference=str(trade_in.id),
        amount=trade_in.quote.amount,
        valid_until=trade_in.quote.valid_until,
        next_steps=[
            "Keep this reference: it is how we find your quote (write it down or take a screenshot).",
            "Bring the bag to one of our shops or pop-up stalls before the quote runs out, with anything that "
            "came with it (dust bag, strap, card).",
            "We look the bag over with you. If its condition is as you described, the credit is yours on the spot; "
            "if not, we tell you the new amount and you decide.",
        ],
    )


def build(
    choices: EstimatorChoices,
    links: Links,
    brand: BrandOut,
    *,
    form: EstimatorForm | None = None,
    quote: Quote | None = None,
    saved: TradeInOut | None = None,
    errors: Mapping[str, str] | None = None,
    missing: list[str] | None = None,
    message: str | None = None,
    product: str | None = None,
    id_prefix: str = ID_PREFIX,
) -> TradeInEstimatorProps:
    """The form with what the shopper chose kept, and the quote when one could be made."""
    form = form or EstimatorForm()
    errors = dict(errors or {})
    return TradeInEstimatorProps(
        product=product,
        id_prefix=id_prefix,
        action_url=links.action(NAME),
        categories=[Choice(value=c, label=label_of(c), selected=c == form.category) for c in choices.categories],
        size_classes=[
            Choice(value=s, label=f"{SIZE_CLASS_RULES[s][0]}: {SIZE_CLASS_RULES[s][1]}", selected=s == form.size_class)
            for s in SIZE_CLASSES
        ],
        materials=[Choice(value=m, label=label_of(m), selected=m == form.material) for m in choices.materials],
        grades=[
            GradeChoice(
                value=g,
                label=f"{g}: {GRADE_NAMES[g]}",
                explanation=GRADE_EXPLAINED[g],
                selected=g == form.condition,
            )
            for g in GRADES
        ],
        own_brand={"yes": True, "no": False}.get(form.own_brand),
        offers_bonus=choices.new_piece_bonus > 0,
        bonus_text=percent(choices.new_piece_bonus) if choices.new_piece_bonus else "",
        spend_on_new=form.spend_on_new and choices.new_piece_bonus > 0,
        email=form.email,
        quote=quote_view(quote, choices.validity_days) if quote is not None else None,
        missing=None if quote is not None or errors else missing_words(missing or []),
        saved=saved_view(saved) if saved is not None else None,
        errors=errors,
        message=message,
        locale=brand.locale,
    )


async def load(ctx: LoadContext) -> TradeInEstimatorProps:
    choices = await estimator_choices(ctx.principal.brand_id)
    return build(choices, ctx.links, ctx.brand, missing=list(REQUIRED), product=ctx.product_handle)


COMPONENT = Component(
    name=NAME,
    title="Trade-in estimator",
    props_type=TradeInEstimatorProps,
    load=load,
    needs_product=False,
    interactive=True,
    # The choices are the brand's valuation rules, which change without a catalogue version: read every time.
    cacheable=False,
)
