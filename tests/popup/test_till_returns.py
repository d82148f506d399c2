"""Returns at the till through Litestar's test client: refunds in the sale's tenders or as a new credit,
what may come back, idempotency, one transaction, hostile input."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from popup.till import issued_credits, returns
from popup.till.action_schemas import ReturnIn, ReturnLineIn
from storefront.credits import codes
from storefront.events.journal import Return, decode_payload
from tests.popup.till_fixtures import MARK, Till, make_credit, make_pack, open_app

NOA = {"sku": "MH-NOA-TAN", "quantity": 1}  # 12 500
PIP = {"sku": "MH-PIP-OXB", "quantity": 2}  # 2 x 4 500


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield opened.unlocked()


def cash_sale(till: Till, lines: list[dict[str, Any]], handed: int) -> dict[str, Any]:
    answer = till.sale(lines, [{"kind": "cash", "amount": handed}])
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def give_back(till: Till, body: dict[str, Any], **headers: str) -> Any:
    return till.post("/returns", {"reason": "changed mind", **body}, **headers)


def entries(till: Till) -> list[tuple[str, msgspec.Struct]]:
    return [(e.kind, decode_payload(e.kind, e.payload)) for e in till.context.store.entries()]


def test_a_cash_sale_comes_back_in_cash_restocked_under_the_next_receipt_number(till: Till) -> None:
    sale = cash_sale(till, [NOA, PIP], 25_000)
    assert till.stock("MH-PIP-OXB") == 8
    answer = give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}]})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["number"] == f"{MARK}-00002"  # the sales' own running counter
    assert (body["sale"], body["sale_number"], body["refunded"]) == (sale["id"], sale["number"], 4_500)
    assert body["refund"] == [{"kind": "cash", "amount": 4_500, "reference": None}]
    assert body["credit"] is None
    assert till.stock("MH-PIP-OXB") == 9
    kind, payload = entries(till)[-1]
    assert kind == "return" and isinstance(payload, Return)
    assert payload.sale == uuid.UUID(sale["id"]) and payload.staff == "Ada"
    assert [(line.sku, line.quantity, line.restock) for line in payload.lines] == [("MH-PIP-OXB", 1, True)]
    # The next sale carries on the same counter.
    assert cash_sale(till, [NOA], 12_500)["number"] == f"{MARK}-00003"


def test_a_set_aside_line_is_refunded_but_not_back_on_sale(till: Till) -> None:
    sale = cash_sale(till, [NOA], 12_500)
    answer = give_back(till, {"sale": sale["id"], "lines": [{"sku": "MH-NOA-TAN", "quantity": 1, "restock": False}]})
    assert answer.status_code == 201, answer.text
    assert till.stock("MH-NOA-TAN") == 2  # sold one of three; the damaged one stays out


def test_never_more_than_sold_less_already_returned(till: Till) -> None:
    sale = cash_sale(till, [PIP], 9_000)
    too_many = give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 3}]})
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "till_return_refused"
    assert "only 2 of the 2 sold" in too_many.json()["detail"]
    assert (
        give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}]}).status_code == 201
    )
    assert (
        give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}]}).status_code == 201
    )
    done = give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}]})
    assert done.status_code == 422
    assert "have come back already" in done.json()["detail"]
    not_sold = give_back(till, {"receipt": sale["number"], "lines": [{"sku": "MH-NOA-TAN", "quantity": 1}]})
    assert not_sold.status_code == 422 and "was not sold" in not_sold.json()["detail"]
    assert [kind for kind, _ in entries(till)] == ["sale", "return", "return"]  # refusals recorded nothing
    left = till.get(f"/returns/sale?receipt={sale['number']}").json()
    assert (left["refunded"], left["lines"][0]["returnable"]) == (9_000, 0)


def test_a_card_refund_needs_the_terminal_reference(till: Till) -> None:
    sale = till.sale([NOA], [{"kind": "card_terminal", "amount": 12_500, "reference": "T-1"}]).json()
    lines = [{"sku": "MH-NOA-TAN", "quantity": 1}]
    refused = give_back(till, {"sale": sale["id"], "lines": lines})
    assert refused.status_code == 422 and "refund reference" in refused.json()["detail"]
    answer = give_back(till, {"sale": sale["id"], "lines": lines, "card_reference": "R-77"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["refund"] == [{"kind": "card_terminal", "amount": 12_500, "reference": "R-77"}]


def test_a_refund_as_credit_is_a_new_code_with_the_device_mark_usable_at_once(till: Till) -> None:
    sale = cash_sale(till, [NOA], 12_500)
    answer = give_back(till, {"sale": sale["id"], "lines": [NOA], "refund": "credit"})
    assert answer.status_code == 201, answer.text
    credit = answer.json()["credit"]
    assert credit["code"].startswith(f"{MARK}-") and (credit["amount"], credit["currency"]) == (12_500, "GBP")
    normalised = codes.parse(credit["code"])
    [tender] = msgspec.convert(entries(till)[-1][1], Return).refund
    assert (tender.kind, tender.amount, tender.code) == ("credit", 12_500, normalised)
    # The code pays at this till straight away, up to its amount and no further.
    over = till.sale([NOA, PIP], [{"kind": "credit", "amount": 21_500, "code": credit["code"]}])
    assert over.status_code == 422 and "at most 12500" in over.json()["detail"]
    spent = till.sale([PIP], [{"kind": "credit", "amount": 9_000, "code": credit["code"]}])
    assert spent.status_code == 201, spent.text
    rest = till.sale([PIP], [{"kind": "credit", "amount": 9_000, "code": credit["code"]}])
    assert "at most 3500" in rest.json()["detail"]
    # The till keeps the code's offline lookup, never the code itself.
    rows = till.context.store.read(lambda conn: conn.execute("SELECT * FROM till_issued_credits").fetchall())
    assert all(normalised not in str(row) for row in rows)


def test_a_split_sale_refunds_each_tender_its_share_and_credit_as_a_new_code(tmp_path: Path) -> None:
    paid_by_credit = make_credit(cap=9_000)
    with open_app(tmp_path / "till", make_pack(credits=[paid_by_credit])) as till:
        till.unlocked()
        tenders = [{"kind": "credit", "amount": 9_000, "code": paid_by_credit.code}, {"kind": "cash", "amount": 20_000}]
        sale = till.sale([NOA, PIP], tenders).json()  # 21 500: 9 000 credit, 12 500 cash
        answer = give_back(till, {"sale": sale["id"], "lines": [NOA]})
        assert answer.status_code == 201, answer.text
        refund = {part["kind"]: part["amount"] for part in answer.json()["refund"]}
        assert refund == {"cash": 7_267, "credit": 5_233}  # 12 500 in the sale's proportion 9 000 : 12 500
        assert answer.json()["credit"]["amount"] == 5_233
        rest = give_back(till, {"sale": sale["id"], "lines": [PIP]}).json()
        both = {part["kind"]: part["amount"] + refund[part["kind"]] for part in rest["refund"]}
        assert both == {"cash": 12_500, "credit": 9_000}  # everything back: each tender exactly what it paid


def test_a_voided_sale_cannot_be_returned(till: Till) -> None:
    sale = cash_sale(till, [NOA], 12_500)
    assert till.post(f"/sales/{sale['id']}/void", {"reason": "rang up twice"}).status_code == 201
    refused = give_back(till, {"sale": sale["id"], "lines": [NOA]})
    assert refused.status_code == 409 and refused.json()["code"] == "till_sale_not_returnable"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"receipt": f"{MARK}-00099", "lines": [NOA]}, 404),
        ({"sale": str(uuid.uuid4()), "lines": [NOA]}, 404),  # another till's, or no sale at all
        ({"lines": [NOA]}, 422),  # which sale?
        ({"lines": [NOA], "receipt": f"{MARK}-00001", "sale": str(uuid.uuid4())}, 422),
        ({"receipt": f"{MARK}-00001", "lines": []}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [{"sku": "MH-NOA-TAN", "quantity": 10**12}]}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [{"sku": "MH-NOA-TAN", "quantity": "1"}]}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [NOA], "refund": "cheque"}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [NOA], "surprise": 1}, 422),
        ({"receipt": f"{MARK}-00001\n", "lines": [NOA]}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [NOA], "reason": "a\x00b"}, 422),
        ({"receipt": f"{MARK}-00001", "lines": [{"sku": "MH-NOA-TAN\n", "quantity": 1}]}, 422),
        ({"sale": "not-a-uuid", "lines": [NOA]}, 422),
    ],
)
def test_bad_returns_are_4xx_problems_that_record_nothing(till: Till, body: dict[str, Any], status: int) -> None:
    cash_sale(till, [NOA], 12_500)
    answer = give_back(till, body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [kind for kind, _ in entries(till)] == ["sale"]


def test_a_return_needs_an_unlocked_till_and_its_csrf_token(till: Till) -> None:
    sale = cash_sale(till, [NOA], 12_500)
    body = {"sale": sale["id"], "lines": [NOA], "reason": "changed mind"}
    no_token = till.client.post("/returns", json=body, headers={"Accept": "application/json"})
    assert no_token.status_code == 403
    till.client.cookies.clear()
    locked = till.client.post("/returns", json=body, headers=till.headers)
    assert locked.status_code == 401
    assert [kind for kind, _ in entries(till)] == ["sale"]


def test_an_idempotent_retry_answers_the_first_return_and_refunds_once(till: Till) -> None:
    sale = cash_sale(till, [PIP], 9_000)
    body = {"sale": sale["id"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}], "refund": "credit"}
    first = give_back(till, body, **{"Idempotency-Key": "return-1"})
    again = give_back(till, body, **{"Idempotency-Key": "return-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()  # the same credit code, not a second one
    assert [kind for kind, _ in entries(till)] == ["sale", "return"]
    other = give_back(till, {**body, "refund": "tenders"}, **{"Idempotency-Key": "return-1"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_a_failing_return_leaves_neither_its_state_nor_its_entry(till: Till, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refund's credit clashes with one already issued: stock, return row and entry all roll back."""
    sale = cash_sale(till, [PIP], 9_000)
    first = give_back(till, {"sale": sale["id"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}], "refund": "credit"})
    issued = codes.parse(first.json()["credit"]["code"])
    stock_before = till.stock("MH-PIP-OXB")
    monkeypatch.setattr(issued_credits, "mint", lambda _till: issued)
    data = ReturnIn(sale=uuid.UUID(sale["id"]), lines=[ReturnLineIn(sku="MH-PIP-OXB")], refund="credit", reason="x")
    with pytest.raises(sqlite3.IntegrityError):
        returns.take_back(till.context, data, "Ada")
    assert till.stock("MH-PIP-OXB") == stock_before
    assert [kind for kind, _ in entries(till)] == ["sale", "return"]
    count = till.context.store.read(lambda conn: conn.execute("SELECT count(*) FROM till_returns").fetchone()[0])
    assert count == 1
    assert till.get(f"/returns/sale?sale={sale['id']}").json()["lines"][0]["returnable"] == 1


def test_the_return_page_finds_a_sale_and_its_form_refunds_it(till: Till) -> None:
    sale = cash_sale(till, [NOA, PIP], 25_000)
    page = till.client.get(f"/returns?receipt={sale['number'].lower()}")
    assert page.status_code == 200
    assert f"Receipt {sale['number']}" in page.text and 'name="qty.MH-PIP-OXB"' in page.text
    fragment = till.client.get(f"/returns/sale?receipt={sale['number']}", headers={"HX-Request": "true"})
    assert 'data-testid="return-form"' in fragment.text and "<html" not in fragment.text
    form = {
        "csrf_token": till.csrf, "idempotency_key": "page-key-1", "sale": sale["id"], "qty.MH-PIP-OXB": "2",
        "aside.MH-PIP-OXB": "1", "qty.MH-NOA-TAN": "0", "refund": "tenders", "reason": "too small",
    }  # fmt: skip
    done = till.client.post("/returns", data=form, headers={"HX-Request": "true"})
    assert done.status_code == 200, done.text
    assert 'data-testid="cash-back"' in done.text and "£90.00" in done.text
    again = till.client.post("/returns", data=form, headers={"HX-Request": "true"})  # a double tap
    assert again.status_code == 200
    assert [kind for kind, _ in entries(till)] == ["sale", "return"]
    assert till.stock("MH-PIP-OXB") == 8  # set aside: not back on sale
    nothing = till.client.post("/returns", data={**form, "qty.MH-PIP-OXB": "0", "idempotency_key": "k2"},
                               headers={"HX-Request": "true"})  # fmt: skip
    assert nothing.status_code == 422 and "choose at least one item" in nothing.text


def test_a_sale_with_a_return_cannot_be_voided_as_well(till: Till) -> None:
    """A void gives back the whole sale: after a return it would refund those lines twice."""
    sale = cash_sale(till, [PIP], 9_000)
    assert give_back(till, {"sale": sale["id"], "lines": [{"sku": "MH-PIP-OXB", "quantity": 1}]}).status_code == 201
    refused = till.post(f"/sales/{sale['id']}/void", {"reason": "rang up twice"})
    assert refused.status_code == 409, refused.text
    assert "returned already" in refused.json()["detail"]
    assert till.stock("MH-PIP-OXB") == 9


def test_a_reset_for_a_new_pack_clears_returns_and_credits_issued_with_the_journal(till: Till) -> None:
    sale = cash_sale(till, [NOA], 12_500)
    assert give_back(till, {"sale": sale["id"], "lines": [NOA], "refund": "credit"}).status_code == 201
    store = till.context.store
    store.mark_synced(len(store.entries()), till.clock())
    store.reset()
    for table in ("till_returns", "till_issued_credits", "till_sales"):
        assert store.read(lambda conn, t=table: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) == 0  # noqa: S608
