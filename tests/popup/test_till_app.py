"""The till's JSON answers (DESIGN 9.2), through Litestar's test client: sales, tenders, voids, stock, status."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from storefront.credits import codes
from storefront.events.journal import Sale, Void
from tests.popup.till_fixtures import MARK, Till, make_credit, make_pack, open_app

NOA = {"sku": "MH-NOA-TAN", "quantity": 1}
PIP = {"sku": "MH-PIP-OXB", "quantity": 2}


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield opened.unlocked()


def journal(till: Till) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, msgspec.json.decode(e.payload)) for e in till.context.store.entries()]


def given(tenders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tenders as journalled, without the fields a kind leaves empty."""
    return [{name: value for name, value in tender.items() if value is not None} for tender in tenders]


def test_a_cash_sale_answers_201_with_its_number_total_and_change(till: Till) -> None:
    answer = till.sale([NOA, PIP], [{"kind": "cash", "amount": 25_000}])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["number"] == f"{MARK}-00001"
    assert (body["total"], body["change"], body["seq"], body["currency"]) == (21_500, 3_500, 1, "GBP")
    [(kind, payload)] = journal(till)
    sale = msgspec.convert(payload, Sale)
    assert kind == "sale" and sale.staff == "Ada"
    assert [t.kind for t in sale.tenders] == ["cash"]
    assert (sale.tenders[0].amount, sale.tenders[0].tendered) == (21_500, 25_000)
    assert str(till.context.store.entries()[0].id) == body["id"]


def test_receipt_numbers_run_on_per_device(till: Till) -> None:
    numbers = [till.sale([PIP], [{"kind": "cash", "amount": 9_000}]).json()["number"] for _ in range(3)]
    assert numbers == [f"{MARK}-00001", f"{MARK}-00002", f"{MARK}-00003"]


def test_a_card_sale_needs_the_terminal_reference(till: Till) -> None:
    refused = till.sale([NOA], [{"kind": "card_terminal", "amount": 12_500}])
    assert refused.status_code == 422
    assert refused.json()["code"] == "till_sale_refused"
    assert "terminal's receipt reference" in refused.json()["detail"]
    paid = till.sale([NOA], [{"kind": "card_terminal", "amount": 12_500, "reference": "T-0042"}])
    assert paid.status_code == 201 and paid.json()["change"] == 0
    assert given(journal(till)[0][1]["tenders"]) == [{"kind": "card_terminal", "amount": 12_500, "reference": "T-0042"}]


def test_a_credit_sale_takes_from_the_cap_and_a_second_is_held_to_what_is_left(tmp_path: Path) -> None:
    credit = make_credit(cap=15_000)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        till.unlocked()
        typed = credit.code.lower().replace("-", " ")  # as a person types it
        first = till.sale([NOA], [{"kind": "credit", "amount": 12_500, "code": typed}])
        assert first.status_code == 201, first.text
        assert given(journal(till)[0][1]["tenders"]) == [
            {"kind": "credit", "amount": 12_500, "code": codes.parse(credit.code)}
        ]
        over = till.sale([PIP], [{"kind": "credit", "amount": 9_000, "code": credit.code}])
        assert over.status_code == 422
        assert over.json()["detail"] == "this credit can pay at most 2500 at the stall"
        split = till.sale(
            [PIP], [{"kind": "credit", "amount": 2_500, "code": credit.code}, {"kind": "cash", "amount": 10_000}]
        )
        assert split.status_code == 201, split.text
        assert split.json()["change"] == 3_500
        assert len(till.context.store.entries()) == 2  # the refused sale recorded nothing


def test_a_credit_over_its_cap_is_refused(tmp_path: Path) -> None:
    credit = make_credit(cap=5_000)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        refused = till.unlocked().sale([NOA], [{"kind": "credit", "amount": 12_500, "code": credit.code}])
        assert refused.status_code == 422
        assert "at most 5000" in refused.json()["detail"]
        assert till.context.store.entries() == []


def test_a_mistyped_credit_code_is_caught_by_its_check_symbol(tmp_path: Path) -> None:
    credit = make_credit(cap=50_000)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        refused = till.unlocked().sale([NOA], [{"kind": "credit", "amount": 12_500, "code": credit.typo}])
        assert refused.status_code == 422
        assert refused.json()["code"] == "credit_code_invalid"
        assert "typing mistake" in refused.json()["detail"]


def test_a_genuine_code_the_pack_does_not_hold_is_refused(till: Till) -> None:
    refused = till.sale([NOA], [{"kind": "credit", "amount": 12_500, "code": codes.generate()}])
    assert refused.status_code == 422
    assert "cannot be taken at the stall" in refused.json()["detail"]


def test_a_split_of_credit_card_and_cash_settles_in_order(tmp_path: Path) -> None:
    credit = make_credit(cap=3_000)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        answer = till.unlocked().sale(
            [NOA, PIP],
            [
                {"kind": "credit", "amount": 3_000, "code": credit.code},
                {"kind": "card_terminal", "amount": 10_000, "reference": "T-1"},
                {"kind": "cash", "amount": 10_000},
            ],
        )
        assert answer.status_code == 201, answer.text
        assert (answer.json()["total"], answer.json()["change"]) == (21_500, 1_500)
        tenders = journal(till)[0][1]["tenders"]
        assert [(t["kind"], t["amount"]) for t in tenders] == [
            ("credit", 3_000),
            ("card_terminal", 10_000),
            ("cash", 8_500),
        ]


def test_a_staff_discount_is_journalled_with_its_reason_and_who_gave_it(till: Till) -> None:
    answer = till.sale([NOA], [{"kind": "cash", "amount": 12_000}], discount={"amount": 1_000, "reason": "scuffed"})
    assert answer.status_code == 201
    assert (answer.json()["total"], answer.json()["change"]) == (11_500, 500)
    assert journal(till)[0][1]["discount"] == {"amount": 1_000, "reason": "scuffed", "staff": "Ada"}


def test_an_email_for_the_receipt_travels_in_the_sale(till: Till) -> None:
    till.sale([PIP], [{"kind": "cash", "amount": 9_000}], email="ada@example.com")
    assert journal(till)[0][1]["email"] == "ada@example.com"


def sale_body(line: dict[str, Any] = NOA, tender: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"lines": [line], "tenders": [tender or {"kind": "cash", "amount": 100}], **extra}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (sale_body({"sku": "NOPE-1", "quantity": 1}), None),
        (sale_body({"sku": "MH-NOA-TAN", "quantity": "1"}), "body.lines[0].quantity"),
        (sale_body({"sku": "MH-NOA-TAN", "quantity": 10**6}), "body.lines[0].quantity"),
        (sale_body({"sku": "MH-NOA-TAN\n", "quantity": 1}), "body.lines[0].sku"),
        (sale_body(tender={"kind": "cash", "amount": "125.00"}), "body.tenders[0].amount"),
        (sale_body(tender={"kind": "cash", "amount": 10**15}), "body.tenders[0].amount"),
        (sale_body(tender={"kind": "cash", "amount": 0}), "body.tenders[0].amount"),
        (sale_body(tender={"kind": "cheque", "amount": 100}), "body.tenders[0].kind"),
        (sale_body(tender={"kind": "card_terminal", "amount": 1, "reference": "T\u0000"}), "body.tenders[0].reference"),
        (sale_body(tip=5), "body.tip"),
        (sale_body(email="not-an-email"), "body.email"),
        ({"lines": [], "tenders": [{"kind": "cash", "amount": 100}]}, "body.lines"),
    ],
)
def test_bad_sales_are_4xx_problems_that_record_nothing(till: Till, body: dict[str, object], field: str | None) -> None:
    answer = till.post("/sales", body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    if field is None:
        assert problem["detail"] == "NOPE-1 is not in this event's pack"
    else:
        assert [e["field"] for e in problem["errors"]] == [field]
    assert till.context.store.entries() == []


def test_a_body_that_is_not_json_is_a_400(till: Till) -> None:
    answer = till.client.post(
        "/sales", content=b"{not json", headers={**till.headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed_request"


def test_cash_short_of_the_total_is_refused(till: Till) -> None:
    refused = till.sale([NOA], [{"kind": "cash", "amount": 10_000}])
    assert refused.status_code == 422
    assert refused.json()["detail"] == "still 2500 to pay"


def test_an_idempotent_retry_answers_the_same_sale_and_records_one(till: Till) -> None:
    key = str(uuid.uuid4())
    first = till.post(
        "/sales", {"lines": [NOA], "tenders": [{"kind": "cash", "amount": 13_000}]}, **{"Idempotency-Key": key}
    )
    again = till.post(
        "/sales", {"lines": [NOA], "tenders": [{"kind": "cash", "amount": 13_000}]}, **{"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(till.context.store.entries()) == 1
    assert till.stock("MH-NOA-TAN") == 2  # sold once
    other = till.post(
        "/sales", {"lines": [PIP], "tenders": [{"kind": "cash", "amount": 9_000}]}, **{"Idempotency-Key": key}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    bad = till.post(
        "/sales", {"lines": [PIP], "tenders": [{"kind": "cash", "amount": 9_000}]}, **{"Idempotency-Key": "a b"}
    )
    assert bad.status_code == 422
    assert len(till.context.store.entries()) == 1


def test_an_idempotency_key_outlives_a_restart(tmp_path: Path) -> None:
    key = str(uuid.uuid4())
    body = {"lines": [NOA], "tenders": [{"kind": "cash", "amount": 13_000}]}
    with open_app(tmp_path / "till") as till:
        first = till.unlocked().post("/sales", body, **{"Idempotency-Key": key}).json()
    with open_app(tmp_path / "till") as till:
        again = till.unlocked().post("/sales", body, **{"Idempotency-Key": key})
        assert again.json() == first
        assert len(till.context.store.entries()) == 1


def test_stock_goes_down_per_sale_and_past_zero_with_a_warning(till: Till) -> None:
    assert till.stock("MH-FEN-INK") == 1
    first = till.sale([{"sku": "MH-FEN-INK", "quantity": 1}], [{"kind": "cash", "amount": 12_900}]).json()
    assert first["warnings"] == []
    assert till.stock("MH-FEN-INK") == 0
    second = till.sale([{"sku": "MH-FEN-INK", "quantity": 2}], [{"kind": "cash", "amount": 30_000}])
    assert second.status_code == 201  # a stall sale is never refused for stock: the server records the conflict
    assert second.json()["warnings"] == [{"sku": "MH-FEN-INK", "level": -2}]
    assert till.stock("MH-FEN-INK") == -2


def test_a_sale_reads_back_as_journalled(till: Till) -> None:
    made = till.sale([NOA], [{"kind": "cash", "amount": 20_000}]).json()
    view = till.get(f"/sales/{made['id']}")
    assert view.status_code == 200
    body = view.json()
    assert (body["id"], body["seq"], body["voided_by"]) == (made["id"], 1, None)
    assert body["sale"]["number"] == made["number"] and body["sale"]["change"] == 7_500
    assert till.get(f"/sales/{uuid.uuid4()}").status_code == 404
    assert till.get("/sales/not-a-uuid").status_code in (400, 404)


def test_a_void_puts_stock_and_credit_back_and_cannot_repeat(tmp_path: Path) -> None:
    credit = make_credit(cap=12_500)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        till.unlocked()
        sale = till.sale([NOA], [{"kind": "credit", "amount": 12_500, "code": credit.code}]).json()
        assert till.stock("MH-NOA-TAN") == 2
        voided = till.post(f"/sales/{sale['id']}/void", {"reason": "rang up the wrong bag"})
        assert voided.status_code == 201, voided.text
        assert voided.json()["sale"] == sale["id"] and voided.json()["number"] == sale["number"]
        assert till.stock("MH-NOA-TAN") == 3
        kinds = journal(till)
        assert kinds[-1][0] == "void"
        assert msgspec.convert(kinds[-1][1], Void) == Void(
            sale=uuid.UUID(sale["id"]), reason="rang up the wrong bag", staff="Ada"
        )
        assert till.get(f"/sales/{sale['id']}").json()["voided_by"] == voided.json()["id"]
        again = till.post(f"/sales/{sale['id']}/void", {"reason": "twice"})
        assert again.status_code == 409 and again.json()["code"] == "till_void_refused"
        # The credit the void gave back can pay again.
        assert till.sale([NOA], [{"kind": "credit", "amount": 12_500, "code": credit.code}]).status_code == 201


def test_only_a_sale_of_the_stall_day_can_be_voided(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 9_000}]).json()
    till.clock.advance(timedelta(days=1))
    assert till.post(f"/sales/{sale['id']}/void", {"reason": "next day"}).status_code == 401  # the session idled out
    till.unlocked()
    refused = till.post(f"/sales/{sale['id']}/void", {"reason": "next day"})
    assert refused.status_code == 409
    assert "earlier day" in refused.json()["detail"]
    assert [kind for kind, _ in journal(till)] == ["sale"]


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": ""}, {"reason": 5}, {"reason": "x" * 201}, {"reason": "ok", "extra": 1}, {"reason": "a\u0000b"}],
)
def test_bad_voids_are_422_and_record_nothing(till: Till, body: dict[str, object]) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 9_000}]).json()
    answer = till.post(f"/sales/{sale['id']}/void", body)
    assert answer.status_code == 422, answer.text
    assert [kind for kind, _ in journal(till)] == ["sale"]


def test_voiding_a_sale_this_till_does_not_hold_is_404(till: Till) -> None:
    answer = till.post(f"/sales/{uuid.uuid4()}/void", {"reason": "who?"})
    assert answer.status_code == 404
    assert answer.json()["code"] == "till_sale_not_found"


def test_status_counts_pending_entries_and_their_age(till: Till) -> None:
    empty = till.get("/status").json()
    assert (empty["pending"], empty["oldest_pending_age_seconds"], empty["last_sync_at"]) == (0, None, None)
    till.sale([PIP], [{"kind": "cash", "amount": 9_000}])
    till.clock.advance(timedelta(minutes=5))
    status = till.get("/status").json()
    assert (status["pending"], status["oldest_pending_age_seconds"], status["last_error"]) == (1, 300.0, None)


def test_products_search_by_title_or_sku_with_stock(till: Till) -> None:
    everything = till.get("/products").json()
    assert [p["sku"] for p in everything] == ["MH-NOA-TAN", "MH-PIP-OXB", "MH-FEN-INK"]
    assert everything[0] == {
        "sku": "MH-NOA-TAN",
        "title": "Noa Micro Bag (Tan)",
        "price": 12_500,
        "currency": "GBP",
        "stock": 3,
        "image": None,
        "reserved": 0,
    }
    assert [p["sku"] for p in till.get("/products?q=card").json()] == ["MH-PIP-OXB"]
    assert [p["sku"] for p in till.get("/products?q=fen-ink").json()] == ["MH-FEN-INK"]
    assert till.get("/products?q=" + "x" * 101).status_code == 422
    assert till.get("/products?q=%00").status_code == 422


def test_a_retried_void_answers_the_same_void(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 9_000}]).json()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = till.post(f"/sales/{sale['id']}/void", {"reason": "customer changed mind"}, **key)
    again = till.post(f"/sales/{sale['id']}/void", {"reason": "customer changed mind"}, **key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert [kind for kind, _ in journal(till)] == ["sale", "void"]
    assert till.stock("MH-PIP-OXB") == 10


def test_recent_sales_list_newest_first(till: Till) -> None:
    made = [till.sale([PIP], [{"kind": "cash", "amount": 9_000}]).json() for _ in range(3)]
    listed = till.get("/sales").json()
    assert [row["id"] for row in listed] == [m["id"] for m in reversed(made)]
    assert listed[0]["total"] == 9_000 and listed[0]["voided_by"] is None
