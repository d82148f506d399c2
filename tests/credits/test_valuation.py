"""Trade-in valuation, pure: a quote explains itself line by line, adds up exactly and keeps within the rules."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from storefront.catalog.rules import SIZE_CLASSES as CATALOGUE_SIZE_CLASSES
from storefront.catalog.rules import SizeClass as CatalogueSizeClass
from storefront.credits.valuation import (
    GRADES,
    SIZE_CLASSES,
    Grade,
    TradeInItem,
    ValuationRules,
    default_rules,
    quote,
    rules_problems,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

RULES = ValuationRules(
    currency="GBP",
    default_base={"micro": 1500, "mini": 3000, "standard": 5000, "oversized": 7000},
    base_values={"weekender": {"oversized": 9500}},
    grades={"A": 1000, "B": 800, "C": 550, "D": 250},
    materials={"full-grain calfskin": 1200},
    default_material=900,
    other_brand=600,
    new_piece_bonus=100,
    min_amount=500,
    max_amount=25000,
)


def item(**fields: object) -> TradeInItem:
    given_fields: dict[str, object] = {
        "category": "tote",
        "size_class": "standard",
        "material": "Full-grain calfskin",
        "grade": "B",
        "own_brand": True,
    }
    return TradeInItem(**{**given_fields, **fields})  # type: ignore[arg-type]


def test_size_classes_are_the_catalogues() -> None:
    assert SIZE_CLASSES == CATALOGUE_SIZE_CLASSES
    assert typing.get_args(CatalogueSizeClass) == SIZE_CLASSES


def test_a_quote_reads_line_by_line() -> None:
    offered = quote(RULES, item(spend_on_new=True), NOW)
    assert [(line.rule, line.text, line.amount.amount) for line in offered.lines] == [
        ("base", "Base value of a standard tote", 5000),
        ("condition", "Condition B (light wear): 80%", -1000),
        ("material", "Material full-grain calfskin: 120%", 800),
        ("brand", "One of our own bags: 100%", 0),
        ("new_piece_bonus", "Bonus for spending it on a new piece: +10%", 480),
    ]
    assert offered.amount.amount == 5280 and offered.amount.currency == "GBP"
    assert offered.valid_until == NOW + timedelta(days=14)


def test_a_category_of_its_own_and_the_caps() -> None:
    weekender = quote(RULES, item(category="weekender", size_class="oversized", grade="A"), NOW)
    assert weekender.lines[0].amount.amount == 9500
    wreck = quote(RULES, item(size_class="micro", grade="D", material="nylon", own_brand=False), NOW)
    assert wreck.lines[-1].rule == "minimum" and wreck.amount.amount == 500
    generous = msgspec.structs.replace(RULES, materials={"full-grain calfskin": 5000}, max_amount=10000)
    capped = quote(generous, item(category="weekender", size_class="oversized", grade="A"), NOW)
    assert capped.lines[-1].rule == "maximum" and capped.amount.amount == 10000


def test_rules_the_types_cannot_check() -> None:
    assert rules_problems(RULES) == []
    assert rules_problems(default_rules("JPY")) == []
    bad = msgspec.structs.replace(
        RULES, default_base={"micro": 1}, grades={"A": 500, "B": 800, "C": 1, "D": 0}, min_amount=30000
    )
    assert [field for field, _ in rules_problems(bad)] == ["default_base", "grades", "min_amount"]


def test_rules_refuse_floats_and_unknown_fields() -> None:
    raw = msgspec.json.encode(RULES)
    assert msgspec.json.decode(raw, type=ValuationRules) == RULES
    for bad in (
        raw.replace(b'"B":800', b'"B":0.8'),
        raw.replace(b'"currency":"GBP"', b'"currency":"GBP","surprise":1'),
        raw.replace(b'"B":800', b'"B":-1'),
    ):
        try:
            msgspec.json.decode(bad, type=ValuationRules)
        except msgspec.ValidationError:
            continue
        raise AssertionError(bad)


amounts = st.integers(0, 10**8)
per_mille = st.integers(0, 5000)


@st.composite
def rule_sets(draw: st.DrawFn) -> ValuationRules:
    grades = sorted((draw(per_mille) for _ in GRADES), reverse=True)
    low, high = sorted((draw(amounts), draw(amounts)))
    return ValuationRules(
        currency=draw(st.sampled_from(["GBP", "JPY", "KWD"])),
        default_base={size: draw(amounts) for size in SIZE_CLASSES},
        base_values=draw(st.dictionaries(st.sampled_from(["tote", "clutch"]), st.just({"mini": draw(amounts)}))),
        grades=dict(zip(GRADES, grades, strict=True)),
        materials={"calfskin": draw(per_mille)},
        default_material=draw(per_mille),
        own_brand=draw(per_mille),
        other_brand=draw(per_mille),
        new_piece_bonus=draw(st.integers(0, 1000)),
        min_amount=low,
        max_amount=high,
        validity_days=draw(st.integers(1, 365)),
    )


items = st.builds(
    TradeInItem,
    category=st.sampled_from(["tote", "clutch", "weekender"]),
    size_class=st.sampled_from(SIZE_CLASSES),
    material=st.sampled_from(["calfskin", "Calfskin ", "nylon", ""]),
    grade=st.sampled_from(GRADES),
    own_brand=st.booleans(),
    spend_on_new=st.booleans(),
)


@given(rules=rule_sets(), thing=items)
def test_the_lines_sum_to_the_amount_within_the_caps(rules: ValuationRules, thing: TradeInItem) -> None:
    offered = quote(rules, thing, NOW)
    assert sum(line.amount.amount for line in offered.lines) == offered.amount.amount
    assert rules.min_amount <= offered.amount.amount <= rules.max_amount
    assert {line.amount.currency for line in offered.lines} == {rules.currency}
    assert quote(rules, thing, NOW) == offered  # reproducible from its inputs


@given(rules=rule_sets(), thing=items)
def test_a_better_grade_never_gives_less(rules: ValuationRules, thing: TradeInItem) -> None:
    values = [quote(rules, msgspec.structs.replace(thing, grade=g), NOW).amount.amount for g in GRADES]
    assert values == sorted(values, reverse=True)


@given(rules=rule_sets(), thing=items)
def test_own_brand_and_the_bonus_never_give_less_where_their_factor_is_higher(
    rules: ValuationRules, thing: TradeInItem
) -> None:
    with_bonus = quote(rules, msgspec.structs.replace(thing, spend_on_new=True), NOW).amount.amount
    assert with_bonus >= quote(rules, msgspec.structs.replace(thing, spend_on_new=False), NOW).amount.amount
    own = quote(rules, msgspec.structs.replace(thing, own_brand=True), NOW).amount.amount
    other = quote(rules, msgspec.structs.replace(thing, own_brand=False), NOW).amount.amount
    assert (own >= other) == (rules.own_brand >= rules.other_brand) or own == other


def test_grade_type_lists_every_grade() -> None:
    assert typing.get_args(Grade) == GRADES
