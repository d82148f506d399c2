"""Trade-in intake at the till: the pack's valuation rules quote line by line, a confirmed intake issues
a credit offline (the device mark as its prefix), shown once and spendable at this till at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from popup.till import issued_credits, trade_in
from popup.till.action_schemas import TradeInIn
from storefront.credits import codes, valuation
from storefront.events import pack as packs
from storefront.events.journal import TradeIn, decode_payload
from tests.popup.till_fixtures import KEY, MARK, NOW, Till, make_pack, open_app

RULES = valuation.ValuationRules(
    currency="GBP",
    default_base={"micro": 2_000, "mini": 4_000, "standard": 7_000, "oversized": 10_000},
    base_values={"tote": {"standard": 8_000}},
    grades={"A": 1000, "B": 800, "C": 550, "D": 250},
    materials={"calfskin": 1100},
    own_brand=1000,
    other_brand=600,
    max_amount=20_000,
    credit_valid_days=365,
)
BAG = {"category": "tote", "size_class": "standard", "material": "calfskin", "grade": "B", "own_brand": True}


def with_rules(pack: bytes, rules: valuation.ValuationRules | None) -> bytes:
    """The pack with these valuation rules, signed again as the storefront would sign it."""
    unsigned = msgspec.structs.replace(msgspec.json.decode(pack, type=packs.Pack), valuation=rules, signature="")
    body = msgspec.to_builtins(unsigned)
    return packs.encode(msgspec.structs.replace(unsigned, signature=packs.signature_of(body, KEY)))


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till", with_rules(make_pack(), RULES)) as opened:
        yield opened.unlocked()


def test_the_quote_is_the_online_valuation_line_by_line_and_records_nothing(till: Till) -> None:
    answer = till.post("/trade-ins/quote", BAG)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = valuation.quote(RULES, valuation.TradeInItem(**BAG), NOW)  # type: ignore[arg-type]
    assert body["amount"] == expected.amount.amount == 7_040  # 8 000 x 80% x 110%
    assert [(line["rule"], line["amount"]) for line in body["lines"]] == [
        (line.rule, line.amount.amount) for line in expected.lines
    ]
    assert sum(line["amount"] for line in body["lines"]) == body["amount"]
    assert till.context.store.entries() == []


def test_a_confirmed_intake_issues_a_credit_with_the_device_mark_usable_at_once(till: Till) -> None:
    answer = till.post("/trade-ins", {**BAG, "description": "strap worn", "quoted": 7_040})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["number"] == f"{MARK}-00001"
    credit = body["credit"]
    assert credit["code"].startswith(f"{MARK}-") and (credit["amount"], credit["currency"]) == (7_040, "GBP")
    assert credit["expires_at"].startswith("2027-12-12")
    [entry] = till.context.store.entries()
    made = decode_payload(entry.kind, entry.payload)
    assert entry.kind == "trade_in" and isinstance(made, TradeIn)
    assert (made.code, made.amount, made.grade, made.description, made.staff) == (
        codes.parse(credit["code"]), 7_040, "B", "strap worn", "Ada",
    )  # fmt: skip
    # Spendable here at once, up to its amount.
    over = till.sale([{"sku": "MH-NOA-TAN"}], [{"kind": "credit", "amount": 12_500, "code": credit["code"]}])
    assert over.status_code == 422 and "at most 7040" in over.json()["detail"]
    paid = till.sale(
        [{"sku": "MH-NOA-TAN"}],
        [{"kind": "credit", "amount": 7_040, "code": credit["code"]}, {"kind": "cash", "amount": 6_000}],
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["change"] == 540
    assert (
        till.sale([{"sku": "MH-PIP-OXB"}], [{"kind": "credit", "amount": 1, "code": credit["code"]}]).status_code == 422
    )


def test_an_expired_till_credit_pays_nothing(till: Till) -> None:
    code = till.post("/trade-ins", BAG).json()["credit"]["code"]
    till.clock.at = NOW.replace(year=2028)
    refused = till.unlocked().sale([{"sku": "MH-PIP-OXB"}], [{"kind": "credit", "amount": 4_500, "code": code}])
    assert refused.status_code == 422
    assert "at most 0" in refused.json()["detail"]
    assert len(till.context.store.entries()) == 1


def test_a_pack_without_valuation_rules_takes_no_trade_ins(tmp_path: Path) -> None:
    with open_app(tmp_path / "till", make_pack()) as till:
        till.unlocked()
        for path in ("/trade-ins/quote", "/trade-ins"):
            refused = till.post(path, BAG)
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "till_trade_ins_off"
        assert "takes no trade-ins" in till.client.get("/trade-ins").text
        assert till.context.store.entries() == []


def test_a_confirmation_of_another_amount_than_the_quote_is_refused(till: Till) -> None:
    refused = till.post("/trade-ins", {**BAG, "quoted": 9_999})
    assert refused.status_code == 409
    assert refused.json()["code"] == "till_quote_changed" and refused.json()["amount"] == 7_040
    assert till.context.store.entries() == []


def test_an_idempotent_retry_shows_the_same_code_and_issues_one_credit(till: Till) -> None:
    first = till.post("/trade-ins", BAG, **{"Idempotency-Key": "bag-1"})
    again = till.post("/trade-ins", BAG, **{"Idempotency-Key": "bag-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(till.context.store.entries()) == 1
    rows = till.context.store.read(lambda conn: conn.execute("SELECT count(*) FROM till_issued_credits").fetchone())
    assert rows[0] == 1
    other = till.post("/trade-ins", {**BAG, "grade": "A"}, **{"Idempotency-Key": "bag-1"})
    assert other.status_code == 409


def test_a_failing_intake_leaves_neither_its_credit_nor_its_entry(till: Till, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = codes.parse(till.post("/trade-ins", BAG).json()["credit"]["code"])
    monkeypatch.setattr(issued_credits, "mint", lambda _till: issued)  # the same code again: its row clashes
    with pytest.raises(sqlite3.IntegrityError):
        trade_in.take_in(till.context, msgspec.convert(BAG, TradeInIn), "Ada")
    assert len(till.context.store.entries()) == 1
    monkeypatch.undo()
    assert till.post("/trade-ins", BAG).json()["number"] == f"{MARK}-00002"  # the number was not used up


@pytest.mark.parametrize(
    "body",
    [
        {**BAG, "grade": "E"},
        {**BAG, "size_class": "huge"},
        {**BAG, "category": "Tote\n"},
        {**BAG, "material": "calf\x00skin"},
        {**BAG, "own_brand": "yes"},
        {**BAG, "description": "x" * 501},
        {**BAG, "quoted": -1},
        {**BAG, "surprise": 1},
        {key: value for key, value in BAG.items() if key != "grade"},
    ],
)
def test_hostile_intakes_are_422_and_record_nothing(till: Till, body: dict[str, Any]) -> None:
    for path in ("/trade-ins/quote", "/trade-ins"):
        answer = till.post(path, body)
        assert answer.status_code == 422, answer.text
    assert till.context.store.entries() == []


def test_the_intake_needs_an_unlocked_till(till: Till) -> None:
    assert till.client.post("/trade-ins", json=BAG, headers={"Accept": "application/json"}).status_code == 403
    till.client.cookies.clear()
    assert till.client.post("/trade-ins", json=BAG, headers=till.headers).status_code == 401
    assert till.context.store.entries() == []


def test_the_intake_page_quotes_then_confirms_and_prints_the_slip_once(till: Till) -> None:
    page = till.client.get("/trade-ins")
    assert page.status_code == 200 and 'name="grade"' in page.text and "calfskin" in page.text
    form = {"csrf_token": till.csrf, "category": "tote", "size_class": "standard", "material": "Calfskin ",
            "grade": "B", "own_brand": "1"}  # fmt: skip
    quoted = till.client.post("/trade-ins/quote", data=form, headers={"HX-Request": "true"})
    assert quoted.status_code == 200, quoted.text
    assert 'data-testid="quote-amount"' in quoted.text and "£70.40" in quoted.text
    assert 'name="quoted" value="7040"' in quoted.text
    confirm = {**form, "quoted": "7040", "idempotency_key": "slip-1"}
    done = till.client.post("/trade-ins", data=confirm, headers={"HX-Request": "true"})
    assert done.status_code == 200, done.text
    assert 'data-testid="credit-slip"' in done.text and "<svg" in done.text
    [entry] = till.context.store.entries()
    code = codes.printed(msgspec.convert(decode_payload(entry.kind, entry.payload), TradeIn).code)
    assert code in done.text
    plain = till.client.post("/trade-ins", data={**confirm, "idempotency_key": "slip-2"})  # no JavaScript
    assert plain.status_code == 200 and "<html" in plain.text and 'data-testid="credit-slip"' in plain.text


def test_incomplete_rules_in_a_pack_refuse_intake_rather_than_guess(tmp_path: Path) -> None:
    broken = msgspec.structs.replace(RULES, default_base={"micro": 2_000}, grades={"A": 1000})
    with open_app(tmp_path / "till", with_rules(make_pack(), broken)) as till:
        refused = till.unlocked().post("/trade-ins/quote", {**BAG, "size_class": "mini"})
        assert refused.status_code == 409
        assert "incomplete" in refused.json()["detail"] and "missing: mini" in refused.json()["detail"]
