"""reset(): a new pack may clear the store, but never while an entry exists only here."""

from __future__ import annotations

from pathlib import Path

import pytest

from popup.store import ResetRefused
from storefront.clock import FixedClock
from tests.popup.actions import sell, stock_in, stock_of
from tests.popup.conftest import OpenTill


def test_reset_is_refused_while_an_entry_is_neither_synced_nor_exported(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 5))
    store.record("sale", {}, sell("MUG"))
    store.mark_synced(1, clock())
    with pytest.raises(ResetRefused, match=r"1 entry in .* is neither synced nor exported") as refused:
        store.reset()
    assert refused.value.extensions == {"unsaved": 1}
    assert len(store.entries()) == 2
    assert stock_of(store, "MUG") == 4


def test_reset_is_allowed_once_everything_is_synced(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 5))
    store.note_sync_error("offline", clock())
    store.mark_synced(1, clock())
    store.reset()
    assert store.entries() == []
    assert stock_of(store, "MUG") is None
    status = store.status(clock())
    assert (status.pending, status.last_sync_at, status.last_error) == (0, None, None)


def test_reset_is_allowed_once_the_unsynced_entries_are_exported(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 5))
    store.export_pending(tmp_path / "stall.jsonl")
    store.record("sale", {}, sell("MUG"))  # after the export: only here
    with pytest.raises(ResetRefused):
        store.reset()
    store.export_pending(tmp_path / "stall.jsonl")
    store.reset()
    assert store.entries() == []


def test_sequence_numbers_carry_on_after_a_reset(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    store.record("stock_count", {}, stock_in("MUG", 5))
    store.record("sale", {}, sell("MUG"))
    store.mark_synced(2, clock())
    store.reset()
    assert store.record("stock_count", {}, stock_in("MUG", 5)).seq == 3  # the server never sees seq 1 twice
    store.close()
    assert [e.seq for e in open_till().pending(10)] == [3]
