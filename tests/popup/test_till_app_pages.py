"""The till's pages and htmx fragments: the grid, scanning into the cart, paying, the receipt, voiding."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.popup.till_fixtures import Till, make_credit, make_pack, open_app

HX = {"HX-Request": "true"}


def page(till: Till) -> Till:
    """Unlock through the page's own form (no JSON), as a browser does."""
    answer = till.client.post("/unlock", data={"pin": "2468", "staff": "Ada"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    home = till.client.get("/")
    till.csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    return till


def form(till: Till, path: str, fields: dict[str, str], *, htmx: bool = True) -> Any:
    return till.client.post(
        path, data={**fields, "csrf_token": till.csrf}, headers=HX if htmx else {}, follow_redirects=False
    )


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield page(opened)


def test_the_till_page_shows_the_grid_the_scan_field_and_the_status_bar(till: Till) -> None:
    home = till.client.get("/")
    assert home.status_code == 200
    html = home.text
    assert "Noa Micro Bag (Tan)" in html and "£125.00" in html
    assert 'data-testid="scan"' in html and "autofocus" in html
    assert 'data-testid="pending">0<' in html
    assert "/vendor/htmx-2.0.11.min.js" in html and "https://" not in html.replace("https://stallkit.dev", "")
    assert f'"X-CSRF-Token": "{till.csrf}"' in html


def test_scanning_a_sku_adds_it_to_the_cart_fragment(till: Till) -> None:
    answer = form(till, "/cart/add", {"sku": "mh-pip-oxb"})  # a scanner's case does not matter
    assert answer.status_code == 200
    assert answer.text.startswith('<section id="cart"')
    assert "Pip Card Case (Oxblood)" in answer.text and "£45.00" in answer.text
    again = form(till, "/cart/add", {"sku": "MH-PIP-OXB", "quantity": "2"})
    assert re.search(r'<td class="num">3</td>', again.text)
    assert "£135.00" in again.text


def test_an_unknown_sku_is_a_message_swapped_into_the_message_area(till: Till) -> None:
    answer = form(till, "/cart/add", {"sku": "NOPE-9"})
    assert answer.status_code == 422
    assert answer.headers["HX-Retarget"] == "#message"
    assert "NOPE-9 is not in this event&#39;s pack" in answer.text


def test_without_javascript_a_form_post_redirects_back_to_the_till(till: Till) -> None:
    answer = form(till, "/cart/add", {"sku": "MH-NOA-TAN"}, htmx=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "Noa Micro Bag (Tan)" in till.client.get("/").text.split('id="cart"')[1]


def test_paying_cash_shows_paid_and_the_change_only_after_the_sale_is_recorded(till: Till) -> None:
    form(till, "/cart/add", {"sku": "MH-NOA-TAN"})
    cart = form(till, "/cart/add", {"sku": "MH-PIP-OXB"})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', cart.text).group(1)  # type: ignore[union-attr]
    paid = form(till, "/cart/pay", {"cash": "200", "idempotency_key": key})
    assert paid.status_code == 200
    assert 'data-testid="paid">Paid<' in paid.text
    assert 'data-testid="change">£30.00<' in paid.text
    assert paid.headers["HX-Trigger"] == "sale-recorded"
    [entry] = till.context.store.entries()
    assert entry.kind == "sale" and '"tendered":20000' in entry.payload
    # A second tap on "Pay" with the same form shows the same sale, and rings up nothing.
    again = form(till, "/cart/pay", {"cash": "200", "idempotency_key": key})
    assert "7K3MQ9-00001" in again.text
    assert len(till.context.store.entries()) == 1
    # The cart is empty for the next shopper.
    assert "Scan or tap a product" in till.client.get("/cart", headers=HX).text


def test_card_with_the_rest_and_a_discount_with_its_reason(till: Till) -> None:
    form(till, "/cart/add", {"sku": "MH-NOA-TAN"})
    assert "give a reason" in form(till, "/cart/discount", {"amount": "5"}).text
    discounted = form(till, "/cart/discount", {"amount": "5", "reason": "display model"})
    assert "Discount (display model)" in discounted.text and "£120.00" in discounted.text
    paid = form(till, "/cart/pay", {"card_reference": "T-77"})
    assert "Paid" in paid.text and "No change to give" in paid.text
    payload = till.context.store.entries()[0].payload
    assert '"reference":"T-77"' in payload and '"amount":12000' in payload and '"reason":"display model"' in payload


def test_credit_as_far_as_it_goes_then_cash(tmp_path: Path) -> None:
    credit = make_credit(cap=10_000)
    with open_app(tmp_path / "till", make_pack(credits=[credit])) as till:
        page(till)
        form(till, "/cart/add", {"sku": "MH-NOA-TAN"})
        paid = form(till, "/cart/pay", {"credit_code": credit.code, "cash": "30"})
        assert "Paid" in paid.text and "£5.00" in paid.text  # 100.00 credit, 25.00 due, 30.00 handed over
        mistyped = form(till, "/cart/add", {"sku": "MH-PIP-OXB"})
        assert mistyped.status_code == 200
        refused = form(till, "/cart/pay", {"credit_code": credit.typo})
        assert refused.status_code == 422 and "typing mistake" in refused.text


@pytest.mark.parametrize(
    "fields",
    [{"cash": "abc"}, {"cash": "12.345"}, {"cash": "-5"}, {"cash": "1e30"}, {"cash": "10", "email": "nope"}, {}],
)
def test_bad_pay_forms_are_messages_and_record_nothing(till: Till, fields: dict[str, str]) -> None:
    form(till, "/cart/add", {"sku": "MH-PIP-OXB"})
    answer = form(till, "/cart/pay", fields)
    assert answer.status_code == 422, answer.text
    assert answer.headers["HX-Retarget"] == "#message"
    assert till.context.store.entries() == []


def test_paying_an_empty_cart_is_refused(till: Till) -> None:
    assert form(till, "/cart/pay", {"cash": "10"}).status_code == 422


def test_the_receipt_is_printable_and_a_sale_can_be_voided_from_it(till: Till) -> None:
    form(till, "/cart/add", {"sku": "MH-PIP-OXB"})
    form(till, "/cart/pay", {"cash": "50"}, htmx=False)
    [sale] = till.context.store.entries()
    receipt = till.client.get(f"/sales/{sale.id}")
    assert receipt.status_code == 200
    assert "7K3MQ9-00001" in receipt.text and "window.print()" in receipt.text
    assert 'class="no-print"' in receipt.text or "no-print" in receipt.text
    assert "Void sale" in receipt.text
    voided = form(till, f"/sales/{sale.id}/void", {"reason": "wrong colour"})
    assert voided.headers["HX-Redirect"] == f"/sales/{sale.id}"
    after = till.client.get(f"/sales/{sale.id}")
    assert 'data-testid="voided"' in after.text and "Void sale" not in after.text
    assert [e.kind for e in till.context.store.entries()] == ["sale", "void"]
    assert "voided" in till.client.get("/sales").text


def test_search_answers_the_grid_fragment(till: Till) -> None:
    grid = till.client.get("/products?q=tote", headers=HX)
    assert grid.text.startswith('<div id="grid"') and "Fen Tote (Ink)" in grid.text and "Noa" not in grid.text


def test_the_status_fragment_counts_what_waits(till: Till) -> None:
    form(till, "/cart/add", {"sku": "MH-PIP-OXB"})
    form(till, "/cart/pay", {"cash": "45"})
    status = till.client.get("/status", headers=HX)
    assert 'data-testid="pending">1<' in status.text and "last sync: never" in status.text


def test_cached_images_show_and_nothing_else_in_the_folder_is_served(tmp_path: Path) -> None:
    images = tmp_path / "till" / "images"
    images.mkdir(parents=True)
    name = hashlib.sha256(b"https://cdn.example/MH-NOA-TAN.jpg").hexdigest() + ".jpg"
    (images / name).write_bytes(b"\xff\xd8\xff jpeg")
    (images / "notes.txt").write_text("private")
    with open_app(tmp_path / "till") as till:
        page(till)
        html = till.client.get("/").text
        assert f'src="/images/{name}"' in html
        assert html.count("<img") == 1  # the other products show their titles
        assert till.client.get(f"/images/{name}").content == b"\xff\xd8\xff jpeg"
        assert till.client.get("/images/notes.txt").status_code == 404
        assert till.client.get("/images/..%2Fpin.json").status_code == 404


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/cart/add", {"sku": "MH-PIP-OXB", "quantity": "0"}),
        ("/cart/add", {"sku": "MH-PIP-OXB", "quantity": "abc"}),
        ("/cart/add", {"sku": "MH-PIP-OXB", "quantity": "99999"}),
        ("/cart/add", {"sku": "MH-PIP-OXB", "quantity": "²"}),
        ("/cart/add", {"sku": "MH\u0000PIP"}),
        ("/cart/add", {"sku": "x" * 201}),
        ("/cart/add", {}),
        ("/cart/remove", {}),
        ("/cart/discount", {"amount": "lots", "reason": "friend"}),
        ("/cart/discount", {"amount": "5", "reason": "a\u001bb"}),
    ],
)
def test_hostile_cart_forms_are_422_messages(till: Till, path: str, fields: dict[str, str]) -> None:
    answer = form(till, path, fields)
    assert answer.status_code == 422, answer.text
    assert answer.headers["HX-Retarget"] == "#message"
    assert "Scan or tap a product" in till.client.get("/cart", headers=HX).text  # the cart did not change


@pytest.mark.parametrize("header", [True, False])
def test_a_form_that_is_not_utf8_is_a_4xx(till: Till, header: bool) -> None:
    headers = {**HX, "Content-Type": "application/x-www-form-urlencoded"}
    answer = till.client.post(
        "/cart/add",
        content=b"sku=%FF%FE&csrf_token=" + till.csrf.encode(),
        headers={**headers, "X-CSRF-Token": till.csrf} if header else headers,
    )
    assert answer.status_code in (400, 422), answer.text


def test_removing_a_line_and_clearing_the_sale(till: Till) -> None:
    form(till, "/cart/add", {"sku": "MH-PIP-OXB", "quantity": "2"})
    one_less = form(till, "/cart/remove", {"sku": "MH-PIP-OXB"})
    assert re.search(r'<td class="num">1</td>', one_less.text)
    assert "Scan or tap a product" in form(till, "/cart/remove", {"sku": "MH-PIP-OXB", "all": "1"}).text
    form(till, "/cart/add", {"sku": "MH-NOA-TAN"})
    assert "Scan or tap a product" in form(till, "/cart/clear", {}).text
    assert till.context.store.entries() == []
