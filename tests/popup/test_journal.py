"""The journal: each action's state change and its entry commit together, numbered without gaps."""

from __future__ import annotations

import hashlib
import math
import sqlite3
import uuid
from datetime import datetime, timedelta

import msgspec
import pytest

from popup.store import DATABASE_FILE, InvalidTillInput, canonical_json, content_hash
from storefront.clock import FixedClock
from tests.popup.actions import Refused, sell, sell_then_fail, stock_in, stock_of
from tests.popup.conftest import START, OpenTill


class Line(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    quantity: int


def test_an_entry_carries_id_device_seq_instant_kind_payload_and_hash(
    open_till: OpenTill, clock: FixedClock, device: uuid.UUID
) -> None:
    store = open_till()
    entry = store.record("stock_count", {"sku": "MUG", "quantity": 3}, stock_in("MUG", 3))
    assert entry.device_id == device
    assert entry.seq == 1
    assert entry.occurred_at == START
    assert entry.kind == "stock_count"
    assert entry.payload == '{"quantity":3,"sku":"MUG"}'
    assert entry.content_hash == hashlib.sha256(b'{"quantity":3,"sku":"MUG"}').hexdigest()
    assert entry.id.version == 7  # storefront.ids.new_id: made offline, never colliding with the server's
    assert store.entries() == [entry]


def test_sequence_numbers_are_gapless_and_instants_come_from_the_injected_clock(
    open_till: OpenTill, clock: FixedClock
) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 10))
    for _ in range(4):
        clock.advance(timedelta(minutes=1))
        store.record("sale", {"sku": "MUG"}, sell("MUG"))
    entries = store.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.occurred_at for e in entries] == [START + timedelta(minutes=n) for n in range(5)]
    assert len({e.id for e in entries}) == 5


def test_the_state_change_and_the_entry_commit_together(open_till: OpenTill) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 10))
    store.record("sale", {"sku": "MUG"}, sell("MUG"))
    # Another connection (what a crash would leave) sees both as soon as record returns.
    other = sqlite3.connect(store.data_dir / DATABASE_FILE)
    try:
        assert other.execute("SELECT quantity FROM stock").fetchone() == (9,)
        assert other.execute("SELECT max(seq) FROM journal").fetchone() == (2,)
    finally:
        other.close()


def test_an_action_that_raises_writes_nothing_and_uses_no_seq(open_till: OpenTill) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 10))
    with pytest.raises(Refused):
        store.record("sale", {"sku": "MUG"}, sell_then_fail("MUG"))
    assert stock_of(store, "MUG") == 10
    assert [e.seq for e in store.entries()] == [1]
    assert store.record("sale", {"sku": "MUG"}, sell("MUG")).seq == 2
    assert stock_of(store, "MUG") == 9


@pytest.mark.parametrize(
    "statement",
    [
        "COMMIT",
        "BEGIN",
        "PRAGMA synchronous = OFF",
        "UPDATE devices SET last_seq = 0",
        "DELETE FROM journal",
        "UPDATE sync_state SET last_error = 'x'",
        "DROP TABLE exported_entries",
        "CREATE TRIGGER sneak AFTER INSERT ON journal BEGIN DELETE FROM stock; END",
    ],
)
def test_an_action_may_not_touch_the_journal_or_the_transaction(open_till: OpenTill, statement: str) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 10))

    def rogue(conn: sqlite3.Connection) -> None:
        sell("MUG")(conn)
        conn.execute(statement)

    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        store.record("sale", {}, rogue)
    assert stock_of(store, "MUG") == 10
    assert [e.seq for e in store.entries()] == [1]


def test_reads_cannot_write(open_till: OpenTill) -> None:
    store = open_till()
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        store.read(lambda conn: conn.execute("INSERT INTO stock VALUES ('MUG', 1)"))
    assert stock_of(store, "MUG") is None


def test_canonical_json_is_one_text_whatever_the_key_order_or_the_shape() -> None:
    assert canonical_json({"b": [1, {"d": 1, "c": 2}], "a": "é"}) == '{"a":"é","b":[1,{"c":2,"d":1}]}'
    assert canonical_json(Line(sku="MUG", quantity=2)) == canonical_json({"quantity": 2, "sku": "MUG"})
    assert content_hash('{"a":1}') == hashlib.sha256(b'{"a":1}').hexdigest()


def test_hashes_are_stable_across_reopen(open_till: OpenTill) -> None:
    store = open_till()
    recorded = [store.record("sale", {"sku": "MUG", "n": n, "note": "café"}, sell("MUG")) for n in range(3)]
    store.close()
    reread = open_till().entries()
    assert reread == recorded
    assert [content_hash(e.payload) for e in reread] == [e.content_hash for e in recorded]


@pytest.mark.parametrize(
    ("kind", "payload", "problem"),
    [
        ("Sale", {}, "snake_case"),
        ("sale-void", {}, "snake_case"),
        ("s" * 65, {}, "snake_case"),
        ("sale", [1, 2], "JSON object"),
        ("sale", {"amount": math.nan}, "plain JSON"),
        ("sale", {"when": object()}, "plain JSON"),
        ("sale", {"text": "\ud800"}, "plain JSON"),
    ],
)
def test_what_cannot_be_journalled_is_refused_before_anything_is_written(
    open_till: OpenTill, kind: str, payload: object, problem: str
) -> None:
    store = open_till()
    with pytest.raises(InvalidTillInput, match=problem):
        store.record(kind, payload, stock_in("MUG", 1))
    assert store.entries() == []
    assert stock_of(store, "MUG") is None


def test_a_naive_clock_is_refused_and_writes_nothing(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    clock.at = datetime(2026, 6, 6, 9, 0)  # noqa: DTZ001 - the mistake under test
    with pytest.raises(InvalidTillInput, match="aware"):
        store.record("sale", {}, stock_in("MUG", 1))
    assert store.entries() == []
    assert stock_of(store, "MUG") is None
