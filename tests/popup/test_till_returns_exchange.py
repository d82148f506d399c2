"""Exchanges at the till: a return and a new sale as ONE journal entry, the returned value paying towards it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from storefront.events.journal import Exchange, decode_payload
from tests.popup.till_fixtures import MARK, Till, open_app

NOA = {"sku": "MH-NOA-TAN", "quantity": 1}  # 12 500
PIP = {"sku": "MH-PIP-OXB", "quantity": 1}  # 4 500


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield opened.unlocked()


def exchange(till: Till, body: dict[str, Any], **headers: str) -> Any:
    return till.post("/exchanges", {"reason": "wrong colour", **body}, **headers)


def the_exchange(till: Till) -> Exchange:
    entry = till.context.store.entries()[-1]
    assert entry.kind == "exchange"
    return msgspec.convert(decode_payload(entry.kind, entry.payload), Exchange)


def test_a_cheaper_item_back_pays_towards_a_dearer_one_and_the_rest_is_paid_in_cash(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    answer = exchange(till, {"receipt": sale["number"], "returned": [PIP], "lines": [NOA],
                             "tenders": [{"kind": "cash", "amount": 10_000}]})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["return_number"], body["sale_number"]) == (f"{MARK}-00002", f"{MARK}-00003")
    assert (body["returned_value"], body["total"], body["paid_by_return"], body["change"]) == (
        4_500,
        12_500,
        4_500,
        2_000,
    )
    assert body["refund"] == [] and body["credit"] is None
    made = the_exchange(till)
    # The returned value reaches the new sale through a credit issued and spent in the same entry.
    [bridge] = made.returned.refund
    assert (bridge.kind, bridge.amount) == ("credit", 4_500)
    assert [(t.kind, t.amount, t.code) for t in made.sale.tenders] == [
        ("credit", 4_500, bridge.code), ("cash", 8_000, None),
    ]  # fmt: skip
    assert made.sale.tenders[1].tendered == 10_000
    assert (till.stock("MH-PIP-OXB"), till.stock("MH-NOA-TAN")) == (10, 2)
    # One entry, one running counter: the next sale is 00004.
    assert [e.kind for e in till.context.store.entries()] == ["sale", "exchange"]
    assert till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()["number"] == f"{MARK}-00004"


def test_a_dearer_item_back_gives_the_difference_in_the_original_tenders(till: Till) -> None:
    sale = till.sale([NOA], [{"kind": "cash", "amount": 12_500}]).json()
    answer = exchange(till, {"sale": sale["id"], "returned": [NOA], "lines": [PIP]})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["paid_by_return"], body["refund"], body["credit"]) == (
        4_500, [{"kind": "cash", "amount": 8_000, "reference": None}], None,
    )  # fmt: skip
    made = the_exchange(till)
    assert sum(t.amount for t in made.returned.refund) == 12_500  # the bridge and the cash back


def test_the_difference_as_credit_is_one_code_shown_once_with_what_is_left_on_it(till: Till) -> None:
    sale = till.sale([NOA], [{"kind": "cash", "amount": 12_500}]).json()
    answer = exchange(till, {"sale": sale["id"], "returned": [NOA], "lines": [PIP], "refund": "credit"})
    assert answer.status_code == 201, answer.text
    credit = answer.json()["credit"]
    assert credit["code"].startswith(f"{MARK}-") and credit["amount"] == 8_000
    assert answer.json()["refund"] == []
    over = till.sale([NOA], [{"kind": "credit", "amount": 12_500, "code": credit["code"]}])
    assert "at most 8000" in over.json()["detail"]


def test_the_new_sale_of_an_exchange_can_itself_be_returned(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    card = {"kind": "card_terminal", "amount": 8_000, "reference": "T-9"}
    done = exchange(till, {"sale": sale["id"], "returned": [PIP], "lines": [NOA], "tenders": [card]}).json()
    back = till.post(
        "/returns", {"receipt": done["sale_number"], "lines": [NOA], "reason": "no", "card_reference": "R-9"}
    )
    assert back.status_code == 201, back.text
    refund = {part["kind"]: part["amount"] for part in back.json()["refund"]}
    assert refund == {"credit": 4_500, "card_terminal": 8_000}  # the returned part comes back as credit again
    again = till.post("/returns", {"receipt": sale["number"], "lines": [PIP], "reason": "twice"})
    assert again.status_code == 422 and "come back already" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"returned": [PIP], "lines": [PIP], "tenders": [{"kind": "cash", "amount": 100}]}, "already paid"),
        ({"returned": [PIP], "lines": [NOA]}, "still 8000 to pay"),
        ({"returned": [{"sku": "MH-PIP-OXB", "quantity": 2}], "lines": [NOA]}, "only 1 of the 1 sold"),
        ({"returned": [PIP], "lines": [{"sku": "NOT-HERE", "quantity": 1}]}, "not in this event's pack"),
    ],
)
def test_an_exchange_refused_records_neither_half(till: Till, body: dict[str, Any], words: str) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    refused = exchange(till, {"sale": sale["id"], **body})
    assert refused.status_code == 422, refused.text
    assert words in refused.json()["detail"]
    assert [e.kind for e in till.context.store.entries()] == ["sale"]
    assert (till.stock("MH-PIP-OXB"), till.stock("MH-NOA-TAN")) == (9, 3)


@pytest.mark.parametrize(
    "body",
    [
        {"returned": [PIP], "lines": [NOA], "surprise": True},
        {"returned": [], "lines": [NOA]},
        {"returned": [PIP], "lines": []},
        {"returned": [PIP], "lines": [NOA], "tenders": [{"kind": "cash", "amount": -1}]},
        {"returned": [PIP], "lines": [NOA], "tenders": [{"kind": "cash", "amount": 2**63}]},
        {"returned": [PIP], "lines": [NOA], "email": "not an email"},
    ],
)
def test_hostile_exchanges_are_422(till: Till, body: dict[str, Any]) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    assert exchange(till, {"sale": sale["id"], **body}).status_code == 422
    assert len(till.context.store.entries()) == 1


def test_an_idempotent_retry_answers_the_first_exchange(till: Till) -> None:
    sale = till.sale([NOA], [{"kind": "cash", "amount": 12_500}]).json()
    body = {"sale": sale["id"], "returned": [NOA], "lines": [PIP], "refund": "credit"}
    first = exchange(till, body, **{"Idempotency-Key": "swap-1"})
    again = exchange(till, body, **{"Idempotency-Key": "swap-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [e.kind for e in till.context.store.entries()] == ["sale", "exchange"]


def test_the_return_page_exchanges_with_new_items_typed_one_a_line(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    form = {
        "csrf_token": till.csrf, "idempotency_key": "page-swap", "sale": sale["id"], "qty.MH-PIP-OXB": "1",
        "refund": "tenders", "reason": "wrong colour", "new_items": "mh-noa-tan\n", "cash": "100",
    }  # fmt: skip
    done = till.client.post("/exchanges", data=form, headers={"HX-Request": "true"})
    assert done.status_code == 200, done.text
    assert "Exchanged" in done.text and 'data-testid="change"' in done.text and "£20.00" in done.text
    assert the_exchange(till).sale.change == 2_000


def test_an_exchange_sale_reads_back_on_its_receipt_but_cannot_be_voided(till: Till) -> None:
    sale = till.sale([NOA], [{"kind": "cash", "amount": 12_500}]).json()
    done = exchange(till, {"sale": sale["id"], "returned": [NOA], "lines": [PIP]}).json()
    shown = till.get(f"/sales/{done['id']}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["sale"]["number"] == done["sale_number"]
    assert till.client.get(f"/sales/{done['id']}").status_code == 200  # the printable receipt
    refused = till.post(f"/sales/{done['id']}/void", {"reason": "changed mind"})
    assert refused.status_code == 409 and "part of an exchange" in refused.json()["detail"]
    assert till.stock("MH-PIP-OXB") == 9
