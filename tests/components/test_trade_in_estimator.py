"""The trade-in estimator over HTTP: the brand's choices, a live quote through htmx, the same without script, saving.

Through ``GET /v1/components/trade-in-estimator`` and its form action ``POST`` at the same path,
with htmx's header and as a plain form post, against the brand's own valuation rules.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx
import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from components import trade_in_estimator as estimator
from components.context import Links
from storefront.credits.estimates import choices_of
from storefront.credits.valuation import GRADES, SIZE_CLASSES, Grade, SizeClass, TradeInItem, default_rules, quote
from storefront.tenancy.schemas import BrandOut, CreatedBrand
from tests.components.test_cart_components import text_of
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
PATH = "/v1/components/trade-in-estimator"
HTMX = {"HX-Request": "true"}
RULES = {
    "currency": "GBP",
    "default_base": {"micro": 1000, "mini": 2000, "standard": 3500, "oversized": 5000},
    "base_values": {"backpack": {"mini": 4000, "standard": 6000}, "cross-body": {"mini": 3000}},
    "grades": {"A": 1000, "B": 800, "C": 550, "D": 250},
    "materials": {"calfskin": 1100, "waxed canvas": 700},
    "own_brand": 1000,
    "other_brand": 600,
    "new_piece_bonus": 100,
    "min_amount": 500,
    "max_amount": 30000,
    "validity_days": 14,
}
BAG = {
    "category": "backpack",
    "size_class": "mini",
    "material": "calfskin",
    "condition": "B",
    "own_brand": "yes",
    "spend_on_new": "1",
}
# 40.00, B at 80%: -8.00, calfskin at 110%: +3.20, ours at 100%: +0.00, a new piece +10%: +3.52
EXPECTED_LINES = [
    "Base value of a mini backpack £40.00",
    "Condition B (light wear): 80% \u2212£8.00",
    "Material calfskin: 110% +£3.20",
    "One of our own bags: 100% +£0.00",
    "Bonus for spending it on a new piece: +10% +£3.52",
]


async def brand_with_rules(client: Client, make_brand: MakeBrand, **changes: object) -> CreatedBrand:
    brand = await make_brand()
    response = await client.put("/v1/trade-in-rules", json={**RULES, **changes}, headers=auth(brand.secret_key))
    assert response.status_code == 200, response.text
    return brand


async def post(client: Client, brand: CreatedBrand, headers: dict[str, str] | None = None, /, **fields: str) -> str:
    response = await client.post(PATH, params={"key": brand.publishable_key}, data=fields, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.text


def invalid(html: str, field: str) -> bool:
    """The field (or its group) is marked invalid and pointed at the words that say why."""
    marked = f'aria-invalid="true" aria-describedby="sk-trade-in-{field}-error"' in html
    return marked and f'id="sk-trade-in-{field}-error"' in html


async def test_the_form_offers_the_brands_own_choices_and_explains_each_grade(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await brand_with_rules(client, make_brand)
    html = (await client.get(PATH, params={"key": brand.publishable_key})).text
    assert html.startswith('<div class="sk-root sk-theme-default" data-sk-component="trade-in-estimator"')
    categories = re.findall(r'<option value="([^"]*)"', html.split('name="category"')[1].split("</select>")[0])
    assert categories == ["", "backpack", "cross-body", "other"]
    materials = re.findall(r'<option value="([^"]*)"', html.split('name="material"')[1].split("</select>")[0])
    assert materials == ["", "calfskin", "waxed canvas", "other"]
    words = text_of(html)
    for label in ("A: like new", "B: light wear", "C: visible wear", "D: needs repair"):
        assert label in words
    for explanation in estimator.GRADE_EXPLAINED.values():
        assert explanation in words
    assert "I will spend it on a new piece (+10% credit)" in words
    assert (
        "To see a quote, choose the kind of bag, its size, its material, its condition and whether it is one of ours."
        in words
    )
    # A plain form and an htmx one: the same action, the key in its query for posts without script.
    assert re.search(rf'<form[^>]*method="post" action="http://[^"]*{PATH}\?key=pk_[^"]*" hx-post=', html)
    assert 'hx-trigger="change"' in html and 'aria-live="polite"' in html

    props = (
        await client.get(PATH, params={"key": brand.publishable_key}, headers={"Accept": "application/json"})
    ).json()
    assert [c["value"] for c in props["categories"]] == ["backpack", "cross-body", "other"]
    assert props["offers_bonus"] is True and props["quote"] is None

    no_bonus = await brand_with_rules(client, make_brand, new_piece_bonus=0)
    assert 'name="spend_on_new"' not in (await client.get(PATH, params={"key": no_bonus.publishable_key})).text


async def test_each_change_answers_the_quote_with_every_line(client: Client, make_brand: MakeBrand) -> None:
    brand = await brand_with_rules(client, make_brand)
    partial = await post(client, brand, HTMX, category="backpack", size_class="mini")
    words = text_of(partial)
    assert "To see a quote, choose its material, its condition and whether it is one of ours." in words
    assert 'aria-invalid="true"' not in partial  # still choosing: nothing is wrong yet

    html = await post(client, brand, HTMX, **BAG)
    words = text_of(html)
    assert "We'd offer £38.72 in store credit." in words
    assert re.search(r"This quote holds for 14 days, until \d{1,2} \w+ \d{4}\.", words)
    lines = [text_of(li).strip() for li in re.findall(r'<li class="sk-trade-in-estimator__line"[^>]*>(.*?)</li>', html)]
    assert lines == EXPECTED_LINES
    assert 'value="calfskin" selected' in html and 'value="B" id="sk-trade-in-condition-B"' in html  # choices kept

    other = await post(client, brand, HTMX, **{**BAG, "category": "other", "material": "other", "own_brand": "no"})
    words = text_of(other)
    assert "Base value of a mini other £20.00" in words  # the rules' default base for a bag they do not list
    assert "Another brand's bag: 60%" in words
    without_bonus = await post(client, brand, HTMX, **{**BAG, "spend_on_new": ""})
    assert "We'd offer £35.20 in store credit." in text_of(without_bonus)


async def test_without_script_the_button_quotes_and_marks_what_is_missing(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await brand_with_rules(client, make_brand)
    html = await post(client, brand, intent="quote", category="backpack")
    words = text_of(html)
    for field in ("size_class", "material", "condition", "own_brand"):
        assert invalid(html, field), field
    assert "Choose its size." in words and "Choose what it is mostly made of." in words
    assert "Choose the condition that describes it best." in words and "Say whether it is one of our bags." in words
    assert "Please check the choices marked above." in words

    quoted = await post(client, brand, intent="quote", **BAG)
    assert "We'd offer £38.72 in store credit." in text_of(quoted)
    assert 'aria-invalid="true"' not in quoted

    page = "https://shop.example/trade-in"
    allowed = await client.patch(
        "/v1/brand", json={"allowed_origins": ["https://shop.example"]}, headers=auth(brand.secret_key)
    )
    assert allowed.status_code == 200, allowed.text
    response = await client.post(
        PATH, params={"key": brand.publishable_key, "return_to": page}, data={"intent": "quote", **BAG}
    )
    assert response.status_code == 200, response.text
    assert response.text.startswith("<!doctype html>") and f'href="{page}"' in response.text  # a page with a way back
    assert "We'd offer £38.72 in store credit." in text_of(response.text)


async def test_a_choice_the_form_never_offered_is_said_beside_its_field(client: Client, make_brand: MakeBrand) -> None:
    brand = await brand_with_rules(client, make_brand)
    html = await post(client, brand, HTMX, **{**BAG, "category": "spaceship", "condition": "E", "size_class": "huge"})
    words = text_of(html)
    assert invalid(html, "category") and invalid(html, "size_class") and invalid(html, "condition")
    assert "Choose what kind of bag it is." in words and "Choose its size." in words
    assert "Choose the condition that describes it best." in words
    assert "We'd offer" not in words


async def test_saving_the_quote_starts_a_trade_in_and_says_what_to_do_next(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await brand_with_rules(client, make_brand)
    bad = await post(client, brand, HTMX, intent="save", email="not an email", **BAG)
    assert invalid(bad, "email") and "Enter an email address, like ada@example.com, or leave it empty." in text_of(bad)
    listed = await client.get("/v1/trade-ins", headers=auth(brand.secret_key))
    assert listed.status_code == 200 and listed.json()["data"] == []  # nothing saved for a form to correct

    html = await post(client, brand, HTMX, intent="save", email="ada@example.com", **BAG)
    words = text_of(html)
    match = re.search(r"Your reference: ([0-9a-f-]{36})", words)
    assert match, words
    assert "We offer £38.72 in store credit, if you bring the bag in by" in words
    assert "What to do next" in words and "Bring the bag to one of our shops" in words
    assert "autofocus" in html  # the saved quote takes the focus the vanished button had

    saved = await client.get(f"/v1/trade-ins/{match.group(1)}", headers=auth(brand.publishable_key))
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["status"] == "quoted" and body["quote"]["amount"] == {"amount": 3872, "currency": "GBP"}
    assert body["email"] == "ada@example.com" and body["spend_on_new"] is True and body["own_brand"] is True

    missing = await post(client, brand, HTMX, intent="save", category="backpack")
    assert "Your reference" not in text_of(missing) and invalid(missing, "material")


BRAND = BrandOut(
    id=uuid.uuid4(),
    handle="b",
    name="B",
    currency="GBP",
    locale="en_GB",
    timezone="Europe/London",
    theme="default",
    theme_tokens={},
    allowed_origins=[],
)


@settings(max_examples=60, deadline=None)
@given(
    size=st.sampled_from(SIZE_CLASSES),
    grade=st.sampled_from(GRADES),
    own=st.booleans(),
    new=st.booleans(),
    bonus=st.integers(min_value=0, max_value=1000),
)
def test_the_lines_shown_always_add_up_to_the_amount(
    size: SizeClass, grade: Grade, own: bool, new: bool, bonus: int
) -> None:
    rules = msgspec.structs.replace(default_rules("GBP"), new_piece_bonus=bonus)
    item = TradeInItem(
        category="other", size_class=size, material="other", grade=grade, own_brand=own, spend_on_new=new
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    props = estimator.build(
        choices_of(rules), Links(api_base="http://api", key="pk_x"), BRAND, quote=quote(rules, item, now)
    )
    assert props.quote is not None
    signed = [(-1 if line.change == estimator.MINUS else 1) * line.size.amount for line in props.quote.lines]
    assert sum(signed) == props.quote.amount.amount
    assert all(line.size.amount >= 0 for line in props.quote.lines)
    assert props.quote.lines[0].change == ""  # the base value reads as an amount, not a change


async def test_a_keyed_post_is_answered_like_any_other(client: Client, make_brand: MakeBrand) -> None:
    """An ``Idempotency-Key`` is welcome; a quote is answered afresh (no-store answers are never replayed)."""
    brand = await brand_with_rules(client, make_brand)
    key = str(uuid.uuid4())
    for _ in range(2):
        html = await post(client, brand, {**HTMX, "Idempotency-Key": key}, **BAG)
        assert "We'd offer £38.72 in store credit." in text_of(html)
