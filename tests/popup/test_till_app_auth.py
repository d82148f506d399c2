"""The till's locks: a staff PIN for every page and route, the wrong-PIN pause, the session cookie, CSRF."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.popup.till_fixtures import PIN, Till, open_app

SALE = {"lines": [{"sku": "MH-PIP-OXB", "quantity": 1}], "tenders": [{"kind": "cash", "amount": 4_500}]}
JSON = {"Accept": "application/json"}


@pytest.fixture
def till(tmp_path: Path) -> Iterator[Till]:
    with open_app(tmp_path / "till") as opened:
        yield opened


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/products"),
        ("GET", "/sales"),
        ("GET", "/sales/0190a000-0000-7000-8000-000000000009"),
        ("POST", "/sales"),
        ("POST", "/sales/0190a000-0000-7000-8000-000000000009/void"),
        ("POST", "/lock"),
        ("POST", "/cart/add"),
        ("POST", "/cart/pay"),
        ("GET", "/cart"),
    ],
)
def test_every_route_needs_an_unlocked_session(till: Till, method: str, path: str) -> None:
    answer = till.client.request(method, path, headers=JSON, json=SALE if method == "POST" else None)
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "till_locked"
    assert till.context.store.entries() == []


def test_a_locked_page_redirects_to_the_unlock_page_and_htmx_is_told_to_go_there(till: Till) -> None:
    page = till.client.get("/", follow_redirects=False)
    assert page.status_code in (302, 303, 307) and page.headers["location"] == "/unlock"
    swap = till.client.get("/cart", headers={"HX-Request": "true"})
    assert swap.headers["HX-Redirect"] == "/unlock"
    unlock = till.client.get("/unlock")
    assert unlock.status_code == 200 and 'name="pin"' in unlock.text


def test_static_files_and_htmx_are_public(till: Till) -> None:
    css = till.client.get("/static/till.css")
    assert css.status_code == 200 and "@media print" in css.text
    htmx = till.client.get("/vendor/htmx-2.0.11.min.js")
    assert htmx.status_code == 200 and 'version:"2.0.11"' in htmx.text
    assert htmx.headers["content-type"].startswith("text/javascript")


def test_unlocking_sets_a_strict_httponly_cookie_and_names_the_staff_in_the_journal(till: Till) -> None:
    answer = till.unlock(staff="Grace")
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert answer.json()["staff"] == "Grace"
    headers = {**JSON, "X-CSRF-Token": answer.json()["csrf_token"]}
    assert till.client.post("/sales", json=SALE, headers=headers).status_code == 201
    assert '"staff":"Grace"' in till.context.store.entries()[0].payload


def test_a_wrong_pin_is_401_and_five_in_a_row_pause_unlocking_for_30_seconds(till: Till) -> None:
    for _ in range(4):
        wrong = till.unlock(pin="1111")
        assert wrong.status_code == 401 and wrong.json()["code"] == "till_pin_wrong"
    assert till.unlock(pin="1111").status_code == 401  # the fifth
    paused = till.unlock(pin=PIN)  # even the right PIN waits
    assert paused.status_code == 429
    assert paused.json()["code"] == "rate_limited"
    assert paused.headers["retry-after"] == "30"
    till.clock.advance(timedelta(seconds=29))
    assert till.unlock(pin=PIN).status_code == 429
    till.clock.advance(timedelta(seconds=1))
    assert till.unlock(pin=PIN).status_code == 200


def test_a_right_pin_resets_the_count_of_wrong_ones(till: Till) -> None:
    for _ in range(4):
        till.unlock(pin="1111")
    assert till.unlock(pin=PIN).status_code == 200
    for _ in range(4):
        assert till.unlock(pin="1111").status_code == 401
    assert till.unlock(pin=PIN).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"pin": "12a4", "staff": "Ada"},
        {"pin": "123", "staff": "Ada"},
        {"pin": 2468, "staff": "Ada"},
        {"pin": PIN},
        {"pin": PIN, "staff": ""},
        {"pin": PIN, "staff": "Ada\u0000"},
        {"pin": PIN, "staff": "A" * 101},
        {"pin": PIN, "staff": "Ada", "role": "owner"},
    ],
)
def test_bad_unlock_bodies_are_422(till: Till, body: dict[str, object]) -> None:
    answer = till.client.post("/unlock", json=body, headers=JSON)
    assert answer.status_code == 422, answer.text


def test_the_pin_is_kept_as_a_salted_scrypt_hash_readable_by_the_owner_only(till: Till) -> None:
    saved = till.data_dir / "pin.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    text = saved.read_text()
    assert PIN not in text and '"algorithm": "scrypt"' in text
    assert stat.S_IMODE((till.data_dir / "pack.key").stat().st_mode) == 0o600


def test_a_write_without_the_csrf_token_is_refused(till: Till) -> None:
    till.unlocked()
    missing = till.client.post("/sales", json=SALE, headers=JSON)
    assert missing.status_code == 403 and missing.json()["code"] == "till_csrf_refused"
    wrong = till.client.post("/sales", json=SALE, headers={**JSON, "X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    form = till.client.post("/cart/add", data={"sku": "MH-PIP-OXB", "csrf_token": "nope"}, headers=JSON)
    assert form.status_code == 403
    assert till.context.store.entries() == []


def test_a_write_from_another_origin_is_refused_even_with_the_token(till: Till) -> None:
    till.unlocked()
    answer = till.post("/sales", SALE, Origin="https://evil.example")
    assert answer.status_code == 403
    assert till.post("/sales", SALE, Origin="null").status_code == 403
    assert till.post("/sales", SALE, Origin="http://testserver.local").status_code == 201


def test_locking_ends_the_session(till: Till) -> None:
    till.unlocked()
    assert till.post("/lock").status_code == 204
    assert till.get("/status").status_code == 401
    assert till.post("/sales", SALE).status_code == 401


def test_a_forged_session_cookie_is_locked_out(till: Till) -> None:
    till.client.cookies.set("till_session", "made-up")
    assert till.client.get("/status", headers=JSON).status_code == 401


def test_an_idle_session_locks_itself(till: Till) -> None:
    till.unlocked()
    till.clock.advance(timedelta(hours=7))
    assert till.get("/status").status_code == 200  # in use: still open
    till.clock.advance(timedelta(hours=8, seconds=1))
    assert till.get("/status").status_code == 401
