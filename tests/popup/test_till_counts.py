"""Stock counts and cash-up at the till: counted figures become the till's stock; the drawer is counted
against the float plus cash kept less cash handed back, since the last cash-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from popup.store import DATABASE_FILE
from popup.till import counts
from popup.till.action_schemas import CashUpIn
from storefront.events.journal import CashUp, StockCount, decode_payload
from tests.popup.till_fixtures import Till, open_app

NOA = {"sku": "MH-NOA-TAN", "quantity": 1}  # 12 500, 3 allocated
PIP = {"sku": "MH-PIP-OXB", "quantity": 1}  # 4 500, 10 allocated


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield opened.unlocked()


def last(till: Till) -> Any:
    entry = till.context.store.entries()[-1]
    return entry.kind, decode_payload(entry.kind, entry.payload)


# --- stock count -------------------------------------------------------------------------------------


def test_the_count_sheet_lists_what_the_till_expects(till: Till) -> None:
    till.sale([NOA], [{"kind": "cash", "amount": 12_500}])
    sheet = {row["sku"]: row["expected"] for row in till.get("/stock-count").json()}
    assert sheet == {"MH-NOA-TAN": 2, "MH-PIP-OXB": 10, "MH-FEN-INK": 1}


def test_a_count_records_expected_and_counted_and_becomes_the_stock(till: Till) -> None:
    till.sale([PIP], [{"kind": "cash", "amount": 4_500}])
    lines = [{"sku": "MH-PIP-OXB", "counted": 7}, {"sku": "MH-FEN-INK", "counted": 1}]
    answer = till.post("/stock-counts", {"lines": lines, "note": "after lunch"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["lines"] == [
        {"sku": "MH-PIP-OXB", "expected": 9, "counted": 7, "difference": -2},
        {"sku": "MH-FEN-INK", "expected": 1, "counted": 1, "difference": 0},
    ]
    kind, made = last(till)
    assert kind == "stock_count" and isinstance(made, StockCount)
    assert [(line.sku, line.expected, line.counted) for line in made.lines] == [
        ("MH-PIP-OXB", 9, 7),
        ("MH-FEN-INK", 1, 1),
    ]
    assert (made.staff, made.note) == ("Ada", "after lunch")
    assert till.stock("MH-PIP-OXB") == 7
    till.sale([PIP], [{"kind": "cash", "amount": 4_500}])
    assert till.stock("MH-PIP-OXB") == 6  # sales carry on from the counted figure


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"lines": [{"sku": "NOT-HERE", "counted": 1}]}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": 1}, {"sku": "MH-PIP-OXB", "counted": 2}]}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": -1}]}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": 10**9}]}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": "7"}]}, 422),
        ({"lines": []}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": 1}], "extra": 1}, 422),
        ({"lines": [{"sku": "MH-PIP-OXB", "counted": 1}], "note": "a\x00"}, 422),
    ],
)
def test_bad_counts_are_4xx_and_record_nothing(till: Till, body: dict[str, Any], status: int) -> None:
    answer = till.post("/stock-counts", body)
    assert answer.status_code == status, answer.text
    assert till.context.store.entries() == []
    assert till.stock("MH-PIP-OXB") == 10


def test_a_retried_count_records_once(till: Till) -> None:
    body = {"lines": [{"sku": "MH-NOA-TAN", "counted": 2}]}
    first = till.post("/stock-counts", body, **{"Idempotency-Key": "count-1"})
    again = till.post("/stock-counts", body, **{"Idempotency-Key": "count-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(till.context.store.entries()) == 1


def test_the_count_page_posts_only_the_products_counted(till: Till) -> None:
    page = till.client.get("/stock-count")
    assert page.status_code == 200 and 'name="count.MH-FEN-INK"' in page.text
    form = {"csrf_token": till.csrf, "idempotency_key": "sheet-1", "count.MH-NOA-TAN": "1", "count.MH-PIP-OXB": ""}
    done = till.client.post("/stock-counts", data=form, headers={"HX-Request": "true"})
    assert done.status_code == 200, done.text
    assert 'data-testid="count-done"' in done.text and "-2" in done.text
    _, made = last(till)
    assert [(line.sku, line.counted) for line in made.lines] == [("MH-NOA-TAN", 1)]
    refused = till.client.post("/stock-counts", data={**form, "count.MH-NOA-TAN": "²"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422


# --- cash-up -----------------------------------------------------------------------------------------


def test_cash_up_expects_the_float_plus_cash_kept_less_cash_handed_back(till: Till) -> None:
    cash = till.sale([NOA, PIP], [{"kind": "cash", "amount": 20_000}]).json()  # keeps 17 000
    till.sale([PIP], [{"kind": "card_terminal", "amount": 4_500, "reference": "T-1"}])  # no cash
    back = till.post("/returns", {"sale": cash["id"], "lines": [PIP], "reason": "too small"})
    assert back.status_code == 201, back.text  # 4 500 cash handed back
    figures = till.get("/cash-up").json()
    assert (figures["cash_sales"], figures["cash_refunded"], figures["since"]) == (17_000, 4_500, None)
    answer = till.post("/cash-ups", {"opening_float": 5_000, "counted": 17_400, "note": "one coin short"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["expected"], body["counted"], body["difference"]) == (17_500, 17_400, -100)
    assert (body["cash_sales"], body["cash_refunded"], body["opening_float"]) == (17_000, 4_500, 5_000)
    kind, made = last(till)
    assert kind == "cash_up" and isinstance(made, CashUp)
    assert (made.currency, made.opening_float, made.expected, made.counted, made.staff) == (
        "GBP",
        5_000,
        17_500,
        17_400,
        "Ada",
    )


def test_the_next_cash_up_counts_only_what_came_after_the_last(till: Till) -> None:
    first = till.sale([PIP], [{"kind": "cash", "amount": 5_000}]).json()
    assert till.post("/cash-ups", {"opening_float": 0, "counted": 4_500}).status_code == 201
    till.sale([NOA], [{"kind": "cash", "amount": 12_500}])
    assert till.post(f"/sales/{first['id']}/void", {"reason": "wrong item"}).status_code == 201  # 4 500 back today
    figures = till.get("/cash-up").json()
    assert (figures["cash_sales"], figures["cash_refunded"]) == (12_500, 4_500)
    assert figures["since"] is not None
    second = till.post("/cash-ups", {"opening_float": 1_000, "counted": 9_000}).json()
    assert (second["expected"], second["difference"]) == (9_000, 0)
    # A replayed first cash-up still shows the figures of its own period.
    assert till.get("/cash-up").json()["cash_sales"] == 0


def test_a_sale_and_its_void_in_one_period_cancel_out(till: Till) -> None:
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}]).json()
    till.post(f"/sales/{sale['id']}/void", {"reason": "rang twice"})
    answer = till.post("/cash-ups", {"opening_float": 2_000, "counted": 2_000}).json()
    assert (answer["cash_sales"], answer["cash_refunded"], answer["expected"]) == (4_500, 4_500, 2_000)


@pytest.mark.parametrize(
    "body",
    [
        {"opening_float": -1, "counted": 0},
        {"opening_float": 0, "counted": 10**13},
        {"opening_float": "10", "counted": 0},
        {"counted": 0},
        {"opening_float": 0, "counted": 0, "drawer": 2},
    ],
)
def test_bad_cash_ups_are_422_and_record_nothing(till: Till, body: dict[str, Any]) -> None:
    assert till.post("/cash-ups", body).status_code == 422
    assert till.context.store.entries() == []


def test_a_retried_cash_up_records_once(till: Till) -> None:
    body = {"opening_float": 0, "counted": 0}
    first = till.post("/cash-ups", body, **{"Idempotency-Key": "evening"})
    again = till.post("/cash-ups", body, **{"Idempotency-Key": "evening"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(till.context.store.entries()) == 1


def test_a_failing_cash_up_leaves_neither_its_row_nor_its_entry(till: Till) -> None:
    """The drawer's row cannot be written (a trigger refuses it): the entry does not land either."""
    sale = till.sale([PIP], [{"kind": "cash", "amount": 4_500}])
    assert sale.status_code == 201
    outside = sqlite3.connect(till.data_dir / DATABASE_FILE)
    try:
        outside.execute(
            "CREATE TRIGGER jammed BEFORE INSERT ON till_cash_ups BEGIN SELECT RAISE(ABORT, 'drawer jammed'); END"
        )
        outside.commit()
        with pytest.raises(sqlite3.IntegrityError, match="drawer jammed"):
            counts.cash_up(till.context, CashUpIn(opening_float=0, counted=4_500), "Ada")
        assert [e.kind for e in till.context.store.entries()] == ["sale"]
        outside.execute("DROP TRIGGER jammed")
        outside.commit()
    finally:
        outside.close()
    assert till.post("/cash-ups", {"opening_float": 0, "counted": 4_500}).json()["seq"] == 2


def test_the_cash_up_page_takes_amounts_as_typed(till: Till) -> None:
    till.sale([PIP], [{"kind": "cash", "amount": 5_000}])
    page = till.client.get("/cash-up")
    assert page.status_code == 200 and "£45.00" in page.text
    form = {"csrf_token": till.csrf, "idempotency_key": "evening", "opening_float": "50", "counted": "94.50"}
    done = till.client.post("/cash-ups", data=form, headers={"HX-Request": "true"})
    assert done.status_code == 200, done.text
    assert 'data-testid="difference"' in done.text and "short" in done.text
    _, made = last(till)
    assert (made.opening_float, made.counted, made.expected) == (5_000, 9_450, 9_500)
    missing = till.client.post(
        "/cash-ups", data={**form, "counted": "", "idempotency_key": "x"}, headers={"HX-Request": "true"}
    )
    assert missing.status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/stock-counts", {"lines": [{"sku": "MH-PIP-OXB", "counted": 1}]}),
        ("/cash-ups", {"opening_float": 0, "counted": 0}),
        ("/exchanges", {"receipt": "7K3MQ9-00001", "returned": [PIP], "lines": [NOA], "reason": "x"}),
        (
            "/trade-ins/quote",
            {"category": "tote", "size_class": "mini", "material": "x", "grade": "A", "own_brand": False},
        ),
    ],
)
def test_every_action_needs_an_unlocked_till_and_its_csrf_token(till: Till, path: str, body: dict[str, Any]) -> None:
    assert till.client.post(path, json=body, headers={"Accept": "application/json"}).status_code == 403
    other_site = till.client.post(path, json=body, headers={**till.headers, "Origin": "http://evil.example"})
    assert other_site.status_code == 403
    till.client.cookies.clear()
    assert till.client.post(path, json=body, headers=till.headers).status_code == 401
    for page in ("/stock-count", "/cash-up", "/returns", "/trade-ins"):
        assert till.client.get(page, headers={"Accept": "application/json"}).status_code == 401
    assert till.context.store.entries() == []
