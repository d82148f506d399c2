"""What the sync client reads and writes: pending entries, acknowledgements, errors and status."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from popup.store import AckBeyondJournal, InvalidTillInput, TillStatus, TillStore
from storefront.clock import FixedClock
from tests.popup.actions import sell, stock_in
from tests.popup.conftest import START, OpenTill


def _journal(store: TillStore, clock: FixedClock, sales: int) -> None:
    store.record("stock_count", {"sku": "MUG"}, stock_in("MUG", 100))
    for n in range(sales):
        clock.advance(timedelta(minutes=1))
        store.record("sale", {"sku": "MUG", "n": n}, sell("MUG"))


def test_pending_answers_unsynced_entries_in_seq_order_up_to_the_limit(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=5)
    assert [e.seq for e in store.pending(4)] == [1, 2, 3, 4]
    assert [e.seq for e in store.pending(100)] == [1, 2, 3, 4, 5, 6]
    with pytest.raises(InvalidTillInput, match="limit"):
        store.pending(0)


def test_mark_synced_marks_only_up_to_the_acknowledged_seq(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=5)
    assert store.mark_synced(3, clock()) == 3
    assert [e.seq for e in store.pending(100)] == [4, 5, 6]
    assert len(store.entries()) == 6  # synced entries stay in the journal


def test_mark_synced_is_idempotent_and_never_unsyncs(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=5)
    store.mark_synced(4, clock())
    assert store.mark_synced(4, clock()) == 0  # a replayed answer
    assert store.mark_synced(2, clock()) == 0  # a stale answer arriving late
    assert store.mark_synced(0, clock()) == 0
    assert [e.seq for e in store.pending(100)] == [5, 6]
    assert store.mark_synced(6, clock()) == 2
    assert store.pending(100) == []


def test_an_acknowledgement_beyond_the_journal_is_refused(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=1)
    with pytest.raises(AckBeyondJournal, match="seq 3"):
        store.mark_synced(3, clock())
    with pytest.raises(AckBeyondJournal):
        store.mark_synced(1, clock(), device_id=uuid.uuid4())
    with pytest.raises(InvalidTillInput):
        store.mark_synced(-1, clock())
    assert len(store.pending(100)) == 2


def test_status_of_a_new_till(open_till: OpenTill) -> None:
    assert open_till().status(START) == TillStatus(
        pending=0, oldest_pending_age_seconds=None, last_sync_at=None, last_error=None, last_error_at=None
    )


def test_status_counts_pending_and_ages_the_oldest(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=2)  # seq 1 at START, then one a minute
    now = START + timedelta(hours=1)
    assert store.status(now).pending == 3
    assert store.status(now).oldest_pending_age_seconds == 3600.0
    store.mark_synced(1, now)
    status = store.status(now)
    assert status.pending == 2
    assert status.oldest_pending_age_seconds == 3540.0
    assert status.last_sync_at == now


def test_sync_errors_are_kept_with_their_time(open_till: OpenTill, clock: FixedClock) -> None:
    store = open_till()
    _journal(store, clock, sales=1)
    failed_at = START + timedelta(minutes=5)
    store.note_sync_error("storefront unreachable: connection refused", failed_at)
    status = store.status(failed_at)
    assert (status.last_error, status.last_error_at, status.last_sync_at) == (
        "storefront unreachable: connection refused",
        failed_at,
        None,
    )
    store.close()
    assert open_till().status(failed_at) == status  # durable like everything else
