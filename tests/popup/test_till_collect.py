"""Collecting an online reservation at the till: the shopper's pickup code finds the order, staff hand it over once.

The pack carries the orders waiting at the stall by their codes' hashes; a sync answer may bring the
list as it stands. A collection is a ``collect`` journal entry carrying the units handed over, which
leave the shelf; until then they are on the shelf but not for sale.
"""

from __future__ import annotations

from pathlib import Path

from popup.store import TillStore
from popup.till import collecting
from storefront.events.journal import Collect, SyncUpdates, decode_payload
from tests.popup.till_fixtures import make_pack, make_reservation, open_app

CODE = "K7MQ9X"


def test_a_pickup_code_hands_the_order_over_once_and_the_units_leave_the_shelf(tmp_path: Path) -> None:
    reservation = make_reservation(CODE, {"MH-NOA-TAN": 1, "MH-PIP-OXB": 2})
    with open_app(tmp_path / "till", make_pack(reservations=[reservation])) as opened:
        till = opened.unlocked()
        assert (till.stock("MH-NOA-TAN"), till.stock("MH-PIP-OXB")) == (2, 8)  # 3 and 10 on the shelf, kept back
        [shown] = till.get("/collect").json()
        assert (shown["number"], shown["name"]) == ("SK-7QK4M2PA", "Grace")
        assert [(line["title"], line["quantity"]) for line in shown["lines"]] == [
            ("Noa Micro Bag (Tan)", 1), ("Pip Card Case (Oxblood)", 2),
        ]  # fmt: skip

        answer = till.post("/collections", {"code": " k7m-q9x "}, **{"Idempotency-Key": "collect-1"})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert (body["number"], body["name"], body["order_id"]) == ("SK-7QK4M2PA", "Grace", str(reservation.order_id))
        [entry] = till.context.store.entries()
        made = decode_payload(entry.kind, entry.payload)
        assert entry.kind == "collect" and isinstance(made, Collect)
        assert (made.order_id, made.order_number, made.staff) == (reservation.order_id, "SK-7QK4M2PA", "Ada")
        assert [(line.sku, line.quantity) for line in made.lines] == [("MH-NOA-TAN", 1), ("MH-PIP-OXB", 2)]
        # Handed over: off the shelf, and nothing more is kept back.
        assert (till.stock("MH-NOA-TAN"), till.stock("MH-PIP-OXB")) == (2, 8)
        assert till.get("/collect").json() == []

        again = till.post("/collections", {"code": " k7m-q9x "}, **{"Idempotency-Key": "collect-1"})
        assert again.status_code == 201 and again.json()["id"] == body["id"]  # the retry answers the first
        twice = till.post("/collections", {"code": CODE})
        assert twice.status_code == 409 and twice.json()["code"] == "till_already_collected"
        assert "SK-7QK4M2PA was handed over already" in twice.json()["detail"]
        assert len(till.context.store.entries()) == 1


def test_a_wrong_or_empty_code_is_refused_in_words_and_records_nothing(tmp_path: Path) -> None:
    with open_app(tmp_path / "till", make_pack(reservations=[make_reservation(CODE, {"MH-NOA-TAN": 1})])) as opened:
        till = opened.unlocked()
        wrong = till.post("/collections", {"code": "ZZZZZZ"})
        assert wrong.status_code == 422 and wrong.json()["code"] == "till_collect_refused"
        assert "no order waiting here has pickup code 'ZZZZZZ'" in wrong.json()["detail"]
        for bad in ({}, {"code": ""}, {"code": "x" * 21}, {"code": 123456}, {"code": CODE, "extra": 1}):
            refused = till.post("/collections", bad)
            assert refused.status_code == 422, (bad, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert till.context.store.entries() == []


def test_a_reservation_made_since_the_pack_arrives_by_sync_and_one_cancelled_leaves(tmp_path: Path) -> None:
    old = make_reservation("AAAAAA", {"MH-NOA-TAN": 1}, number="SK-OLD00001")
    new = make_reservation("BBBBBB", {"MH-PIP-OXB": 1}, number="SK-NEW00001")
    with open_app(tmp_path / "till", make_pack(reservations=[old])) as opened:
        till = opened.unlocked()
        till.context.apply_updates(SyncUpdates(reservations=[new]))
        assert [r["number"] for r in till.get("/collect").json()] == ["SK-NEW00001"]
        assert till.post("/collections", {"code": "AAAAAA"}).status_code == 422
        assert till.post("/collections", {"code": "BBBBBB"}).status_code == 201
        till.context.apply_updates(SyncUpdates())  # a server that sends no list leaves the till's alone
        assert till.get("/collect").json() == []  # collected here, whatever the list says


def test_the_collect_page_lists_what_waits_and_a_form_post_hands_over(tmp_path: Path) -> None:
    with open_app(tmp_path / "till", make_pack(reservations=[make_reservation(CODE, {"MH-FEN-INK": 1})])) as opened:
        till = opened.unlocked()
        page = till.client.get("/collect")
        assert page.status_code == 200 and "SK-7QK4M2PA" in page.text and "Fen Tote (Ink)" in page.text
        assert CODE not in page.text  # the code is the shopper's to show, never the till's
        form = till.client.post(
            "/collections", data={"code": CODE, "csrf_token": till.csrf, "idempotency_key": "form-key-000001"},
            headers={"HX-Request": "true"},
        )  # fmt: skip
        assert form.status_code == 200, form.text  # htmx swaps the result into the page
        assert "Hand over order SK-7QK4M2PA to Grace" in form.text
        wrong = till.client.post(
            "/collections", data={"code": "NOPE22", "csrf_token": till.csrf}, headers={"HX-Request": "true"}
        )
        assert wrong.status_code == 422 and "no order waiting here" in wrong.text
        no_csrf = till.client.post("/collections", data={"code": CODE})
        assert no_csrf.status_code == 403


def test_a_collection_waiting_to_sync_survives_a_restart(tmp_path: Path) -> None:
    pack = make_pack(reservations=[make_reservation(CODE, {"MH-NOA-TAN": 1})])
    with open_app(tmp_path / "till", pack) as opened:
        assert opened.unlocked().post("/collections", {"code": CODE}).status_code == 201
    with open_app(tmp_path / "till", pack) as reopened:
        till = reopened.unlocked()
        assert till.get("/collect").json() == []
        assert till.post("/collections", {"code": CODE}).status_code == 409
        assert till.stock("MH-NOA-TAN") == 2
        assert collecting.waiting(till.context) == []
        store: TillStore = till.context.store
        assert store.status(till.clock()).pending == 1
