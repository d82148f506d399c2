"""Trade-in valuation: what a brand pays in store credit for an old bag (pure, no I/O, clock injected).

A brand's rules are data (:class:`ValuationRules`, kept per brand and edited through
``PUT /v1/trade-in-rules``): a base value by category and size class, then integer per-mille
factors for the condition grade, the material and whether the bag is the brand's own, an
optional bonus when the credit is spent on a new piece, and caps per item. :func:`quote` applies
them in that fixed order, rounding each step once with :func:`storefront.money.round_minor`, and
explains every step as a line whose amount is what that step changed, so the lines always add up
to the amount exactly and a quote can be recomputed from its inputs to the minor unit.

Factors are per mille (1000 = unchanged, 800 = 80%), never floats: a rule a merchant typed is
the rule applied, on every machine.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from storefront.ids import END
from storefront.money import CurrencyCode, MinorUnits, Money, exponent, round_minor

# The catalogue's size classes (storefront.catalog's rules; tests/credits checks they stay equal).
SizeClass = Literal["micro", "mini", "standard", "oversized"]
SIZE_CLASSES: tuple[SizeClass, ...] = ("micro", "mini", "standard", "oversized")
Grade = Literal["A", "B", "C", "D"]
GRADES: tuple[Grade, ...] = ("A", "B", "C", "D")
GRADE_NAMES: dict[Grade, str] = {"A": "like new", "B": "light wear", "C": "visible wear", "D": "needs repair"}
RuleName = Literal["base", "condition", "material", "brand", "new_piece_bonus", "minimum", "maximum"]

PER_MILLE_MAX = 5000
PerMille = Annotated[int, msgspec.Meta(ge=0, le=PER_MILLE_MAX, description="per mille: 1000 keeps the value")]
Bonus = Annotated[int, msgspec.Meta(ge=0, le=1000, description="per mille added: 100 is +10%")]
Category = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*" + END, max_length=40, description="a catalogue category")
]
MaterialKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+([ -][a-z0-9]+)*" + END, max_length=80, description="a material, lower case (calfskin)"
    ),
]
SizeValues = Annotated[dict[SizeClass, MinorUnits], msgspec.Meta(description="minor units by size class")]


class ValuationRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One brand's trade-in rules; amounts in minor units of ``currency`` (the brand's own).

    A category missing from ``base_values``, or a size class missing from a category, is valued at
    ``default_base``; a material missing from ``materials`` at ``default_material``.
    """

    currency: CurrencyCode
    default_base: Annotated[SizeValues, msgspec.Meta(description="every size class, for categories not listed")]
    base_values: Annotated[dict[Category, SizeValues], msgspec.Meta(max_length=100)] = {}
    grades: Annotated[dict[Grade, PerMille], msgspec.Meta(description="every grade, A >= B >= C >= D")]
    materials: Annotated[dict[MaterialKey, PerMille], msgspec.Meta(max_length=100)] = {}
    default_material: PerMille = 1000
    own_brand: PerMille = 1000
    other_brand: PerMille = 1000
    new_piece_bonus: Bonus = 0
    min_amount: MinorUnits = 0
    max_amount: MinorUnits
    validity_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14
    # How long the credit an accepted trade-in earns stays spendable; None: it never expires.
    credit_valid_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = 730


class TradeInItem(msgspec.Struct, frozen=True, kw_only=True):
    """What is being traded in, as far as valuation cares."""

    category: str
    size_class: SizeClass
    material: str
    grade: Grade
    own_brand: bool
    spend_on_new: bool = False


class QuoteLine(msgspec.Struct, frozen=True, kw_only=True):
    rule: RuleName
    text: str
    amount: Money


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    amount: Money
    valid_until: datetime
    lines: list[QuoteLine]


def rules_problems(rules: ValuationRules) -> list[tuple[str, str]]:
    """Every fault the types cannot say, as ``(field, message)``; empty when the rules can be used."""
    problems: list[tuple[str, str]] = []
    missing = [size for size in SIZE_CLASSES if size not in rules.default_base]
    if missing:
        problems.append(("default_base", f"give a value for every size class (missing: {', '.join(missing)})"))
    missing_grades = [grade for grade in GRADES if grade not in rules.grades]
    if missing_grades:
        problems.append(("grades", f"give a factor for every grade (missing: {', '.join(missing_grades)})"))
    else:
        factors = [rules.grades[grade] for grade in GRADES]
        if any(better < worse for better, worse in itertools.pairwise(factors)):
            problems.append(("grades", "a better grade may not be worth less: A >= B >= C >= D"))
    if rules.min_amount > rules.max_amount:
        problems.append(("min_amount", "the minimum is above the maximum"))
    return problems


def default_rules(currency: str) -> ValuationRules:
    """The rules of a brand that has set none: modest values, 14 days to decide, no bonus."""
    unit = 10 ** exponent(currency)  # whole units of the currency, whatever its minor unit
    return ValuationRules(
        currency=currency,
        default_base={"micro": 10 * unit, "mini": 20 * unit, "standard": 35 * unit, "oversized": 50 * unit},
        grades={"A": 1000, "B": 800, "C": 550, "D": 250},
        own_brand=1000,
        other_brand=600,
        min_amount=0,
        max_amount=300 * unit,
        validity_days=14,
    )


def _percent(per_mille: int) -> str:
    whole, tenth = divmod(per_mille, 10)
    return f"{whole}.{tenth}%" if tenth else f"{whole}%"


def scaled(amount: int, per_mille: int) -> int:
    """``amount`` times ``per_mille`` / 1000, rounded by the one rule: every step of a quote goes through here."""
    return round_minor(Decimal(amount) * per_mille / 1000)


def quote(rules: ValuationRules, item: TradeInItem, now: datetime) -> Quote:
    """The credit offered for ``item`` under ``rules``, valid for the rules' days from ``now``, line by line."""
    currency = rules.currency
    lines: list[QuoteLine] = []
    value = 0

    def step(rule: RuleName, text: str, after: int) -> None:
        nonlocal value
        lines.append(QuoteLine(rule=rule, text=text, amount=Money(amount=after - value, currency=currency)))
        value = after

    by_size = rules.base_values.get(item.category, {})
    base = by_size.get(item.size_class, rules.default_base[item.size_class])
    step("base", f"Base value of a {item.size_class} {item.category.replace('-', ' ')}", base)
    grade = rules.grades[item.grade]
    step("condition", f"Condition {item.grade} ({GRADE_NAMES[item.grade]}): {_percent(grade)}", scaled(value, grade))
    material_key = " ".join(item.material.lower().split())
    material = rules.materials.get(material_key, rules.default_material)
    step("material", f"Material {material_key or 'not given'}: {_percent(material)}", scaled(value, material))
    if item.own_brand:
        step("brand", f"One of our own bags: {_percent(rules.own_brand)}", scaled(value, rules.own_brand))
    else:
        step("brand", f"Another brand's bag: {_percent(rules.other_brand)}", scaled(value, rules.other_brand))
    if item.spend_on_new and rules.new_piece_bonus:
        bonus = rules.new_piece_bonus
        step(
            "new_piece_bonus", f"Bonus for spending it on a new piece: +{_percent(bonus)}", scaled(value, 1000 + bonus)
        )
    if value < rules.min_amount:
        step("minimum", "Raised to the lowest amount we offer for a bag", rules.min_amount)
    elif value > rules.max_amount:
        step("maximum", "Capped at the most we offer for one bag", rules.max_amount)
    return Quote(
        amount=Money(amount=value, currency=currency),
        valid_until=now + timedelta(days=rules.validity_days),
        lines=lines,
    )
