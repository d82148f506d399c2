"""The sync client against the real storefront, through a network that fails on cue.

Every test ends the same way: the storefront's view of the stall (stock at the stall, one order
per sale) is exactly what one clean sync would have left, and the till has nothing pending.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from popup.store import TillStore
from popup.sync import BackgroundSync, Storefront, SyncReport, SyncTarget, command, send_batch, sync
from popup.till.config import open_till
from storefront.clock import FixedClock
from storefront.events.journal import MAX_BATCH
from tests.live import LiveStorefront, free_port, live_storefront
from tests.netfaults import Fault, FaultProxy
from tests.popup.stall import Stall, download_pack, open_stall, ring_up

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStorefront]:
    with live_storefront(tmp_path_factory.mktemp("sync-client")) as running:
        yield running


@pytest.fixture
def stall(storefront: LiveStorefront) -> Stall:
    return open_stall(storefront)


@pytest.fixture
def till(tmp_path: Path, stall: Stall) -> Iterator[TillStore]:
    with TillStore.open(tmp_path / "till", device_id=stall.device_id, clock=FixedClock(NOW)) as store:
        yield store


def test_a_journal_of_several_batches_syncs_in_order_and_once(stall: Stall, till: TillStore) -> None:
    sold = ring_up(till, stall, 2 * MAX_BATCH + 17)
    progress: list[tuple[int, int]] = []
    with Storefront(stall.storefront.api) as storefront:
        report = sync(
            till, storefront, stall.target, clock=FixedClock(NOW), progress=lambda d, t: progress.append((d, t))
        )
    assert report.complete and report.error is None, report.error
    assert report.marked == report.sent == 2 * MAX_BATCH + 17
    assert report.round_trips == 3
    assert [d for d, _ in progress] == [MAX_BATCH, 2 * MAX_BATCH, 2 * MAX_BATCH + 17]
    assert till.status(NOW).pending == 0
    stall.assert_exactly_once(sold)


def test_a_second_sync_sends_nothing(stall: Stall, till: TillStore) -> None:
    ring_up(till, stall, 5)
    with Storefront(stall.storefront.api) as storefront:
        sync(till, storefront, stall.target, clock=FixedClock(NOW))
        again = sync(till, storefront, stall.target, clock=FixedClock(NOW))
    assert (again.sent, again.round_trips) == (0, 0)


@pytest.mark.parametrize("lost", [1, 2, 3])
def test_a_lost_acknowledgement_is_answered_duplicate_next_time(stall: Stall, till: TillStore, lost: int) -> None:
    """The storefront applied the batch, but its answer never reached the till."""
    sold = ring_up(till, stall, 3 * 50)
    host, port = stall.storefront.api.removeprefix("http://").split(":")

    def policy(n: int, _path: str) -> Fault:
        return "lose_answer" if n == lost else "pass"

    with FaultProxy(host, int(port), policy=policy) as proxy, Storefront(proxy.url) as storefront:
        first = sync(till, storefront, stall.target, clock=FixedClock(NOW), batch=50)
        assert first.error is not None and "no answer" in first.error
        assert first.marked == 50 * (lost - 1)
        assert till.status(NOW).pending == 150 - 50 * (lost - 1)
        second = sync(till, storefront, stall.target, clock=FixedClock(NOW), batch=50)
    assert second.error is None and till.status(NOW).pending == 0
    stall.assert_exactly_once(sold)


def test_an_unreachable_storefront_marks_nothing_and_says_why(tmp_path: Path, stall: Stall, till: TillStore) -> None:
    ring_up(till, stall, 3)
    with Storefront(f"http://127.0.0.1:{free_port()}", timeout=2) as nobody:
        report = sync(till, nobody, stall.target, clock=FixedClock(NOW))
    assert report.error is not None and "refused the connection" in report.error
    status = till.status(NOW)
    assert status.pending == 3 and status.last_error == report.error and status.last_sync_at is None


def test_a_storefront_slower_than_the_timeout_applies_once_in_the_end(stall: Stall, till: TillStore) -> None:
    """The stalled request still reaches the storefront after the till gave up on it."""
    sold = ring_up(till, stall, 40)
    host, port = stall.storefront.api.removeprefix("http://").split(":")

    def policy(n: int, _path: str) -> Fault:
        return "stall" if n == 1 else "pass"

    with FaultProxy(host, int(port), policy=policy, stall_seconds=2.5) as proxy:
        with Storefront(proxy.url, timeout=1) as impatient:
            slow = sync(till, impatient, stall.target, clock=FixedClock(NOW))
        assert slow.error is not None and "did not answer within" in slow.error
        threading.Event().wait(3)  # the stalled request is forwarded and applied meanwhile
        with Storefront(proxy.url, timeout=10) as patient:
            later = sync(till, patient, stall.target, clock=FixedClock(NOW))
    assert later.error is None and till.status(NOW).pending == 0
    stall.assert_exactly_once(sold)


def test_the_whole_journal_ten_times_and_from_two_senders_ends_as_once(stall: Stall, till: TillStore) -> None:
    sold = ring_up(till, stall, 120)
    entries = till.pending(1000)
    batches = [entries[i : i + 40] for i in range(0, len(entries), 40)]

    def send_all(times: int) -> None:
        with Storefront(stall.storefront.api) as storefront:
            for _ in range(times):
                for batch in batches:
                    answer = send_batch(storefront, stall.target, stall.device_id, batch)
                    assert {r.status for r in answer.results} <= {"applied", "duplicate"}

    senders = [threading.Thread(target=send_all, args=(5,)) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    stall.assert_exactly_once(sold)
    with Storefront(stall.storefront.api) as storefront:
        answer = send_batch(storefront, stall.target, stall.device_id, entries[:40])
    assert answer.acked_seq == 120 and answer.gaps == []
    assert {r.status for r in answer.results} == {"duplicate"}


def test_device_clocks_two_days_wrong_change_nothing(stall: Stall, tmp_path: Path) -> None:
    """The till's clock jumps 48 hours either way between sales: order is by sequence, never by time."""
    offsets = iter([timedelta(hours=48 * (-1) ** n) for n in range(200)])
    with TillStore.open(tmp_path / "skewed", device_id=stall.device_id, clock=lambda: NOW + next(offsets)) as store:
        sold = ring_up(store, stall, 60)
        times = [entry.occurred_at for entry in store.pending(100)]
        assert times != sorted(times)
        with Storefront(stall.storefront.api) as storefront:
            report = sync(store, storefront, stall.target, clock=FixedClock(NOW), batch=25)
        assert report.error is None and store.status(NOW).pending == 0
    stall.assert_exactly_once(sold)


def test_a_gap_is_reported_and_mended_within_one_sync(stall: Stall, till: TillStore) -> None:
    sold = ring_up(till, stall, 30)
    entries = till.pending(100)
    with Storefront(stall.storefront.api) as storefront:
        # Entries 11-20 are marked synced locally but never reached the storefront (a restore from backup).
        first = send_batch(storefront, stall.target, stall.device_id, entries[:10])
        assert first.acked_seq == 10
        skipped = send_batch(storefront, stall.target, stall.device_id, entries[20:])
        assert skipped.acked_seq == 10 and skipped.gaps == [(11, 20)]
        till.mark_synced(30, NOW)
        assert till.status(NOW).pending == 0
        # Nothing is pending, so a normal sync sends nothing; a new sale brings the gap to light.
        sold_later = ring_up(till, stall, 1, start=31, seed=9)
        report = sync(till, storefront, stall.target, clock=FixedClock(NOW))
    assert report.error is None, report.error
    for sku, q in sold_later.items():
        sold[sku] = sold.get(sku, 0) + q
    stall.assert_exactly_once(sold)


def test_entries_of_an_imported_device_wait_for_its_token(stall: Stall, till: TillStore, tmp_path: Path) -> None:
    other = uuid.uuid4()
    with TillStore.open(tmp_path / "other", device_id=other, clock=FixedClock(NOW)) as elsewhere:
        ring_up(elsewhere, stall, 2)
        elsewhere.export_pending(tmp_path / "other.jsonl")
    till.import_export(tmp_path / "other.jsonl")
    with Storefront(stall.storefront.api) as storefront:
        report = sync(till, storefront, SyncTarget(event_id=stall.event_id, tokens={}), clock=FixedClock(NOW))
    assert report.waiting_for_token == [other] and not report.complete


def test_stallkit_popup_sync_sends_everything_and_remembers_where(stall: Stall, tmp_path: Path) -> None:
    data = tmp_path / "closed-till"
    pack_file = tmp_path / "pack.json"
    pack_file.write_bytes(download_pack(stall))
    open_till(data, pack_file, key=stall.pack_key, pin="2468", clock=FixedClock(NOW)).till.store.close()
    with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
        sold = ring_up(store, stall, 30)
    out = io.StringIO()
    report = command.run(data, storefront=stall.storefront.api, token=stall.token, out=out)
    assert report.complete and report.marked == 30, out.getvalue()
    assert "30/30" in out.getvalue() and "0 still pending" in out.getvalue()
    assert (data / "sync.json").stat().st_mode & 0o777 == 0o600
    assert (data / "updates.json").exists()  # what the storefront answered waits for the next open
    stall.assert_exactly_once(sold)
    with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
        ring_up(store, stall, 2, start=31, seed=4)
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "popup.cli", "sync", "--data", str(data)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "0 still pending" in done.stderr


def test_stallkit_popup_sync_says_why_when_the_storefront_is_away(stall: Stall, tmp_path: Path) -> None:
    data = tmp_path / "closed-till"
    pack_file = tmp_path / "pack.json"
    pack_file.write_bytes(download_pack(stall))
    open_till(data, pack_file, key=stall.pack_key, pin="2468", clock=FixedClock(NOW)).till.store.close()
    with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
        ring_up(store, stall, 3)
    away = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "popup.cli", "sync", "--data", str(data), "--storefront", away, "--token", stall.token],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "refused the connection" in done.stderr and "3 still pending" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_open_till_syncs_in_the_background_whenever_the_storefront_answers(stall: Stall, till: TillStore) -> None:
    sold = ring_up(till, stall, 12)
    host, port = stall.storefront.api.removeprefix("http://").split(":")

    def policy(n: int, _path: str) -> Fault:
        return "drop_request" if n <= 3 else "pass"  # the market's network is down for the first three tries

    with FaultProxy(host, int(port), policy=policy) as proxy:
        background = BackgroundSync(
            till, Storefront(proxy.url, timeout=5), stall.target, clock=FixedClock(NOW), interval=0.2
        )
        background.start()
        try:
            deadline = time.monotonic() + 30
            while till.status(NOW).pending and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            background.stop()
    assert till.status(NOW).pending == 0 and background.runs >= 4
    stall.assert_exactly_once(sold)


def test_the_storefront_killed_mid_batch_and_restarted_ends_as_once(stall: Stall, till: TillStore) -> None:
    """kill -9 of the storefront while it applies a batch: that batch never commits, and the next sync sends it."""
    sold = ring_up(till, stall, 3 * MAX_BATCH)
    first: list[SyncReport] = []

    def upload() -> None:
        with Storefront(stall.storefront.api, timeout=10) as client:
            first.append(sync(till, client, stall.target, clock=FixedClock(NOW)))

    sender = threading.Thread(target=upload)
    sender.start()
    deadline = time.monotonic() + 60
    while till.status(NOW).pending == 3 * MAX_BATCH and time.monotonic() < deadline:
        time.sleep(0.002)  # the first batch is acknowledged: the second is on its way or being applied
    stall.storefront.kill()
    sender.join(timeout=30)
    stall.storefront.start()
    assert first and first[0].error is not None, "the kill landed after the upload ended"
    assert 0 < till.status(NOW).pending < 3 * MAX_BATCH
    with Storefront(stall.storefront.api) as client:
        report = sync(till, client, stall.target, clock=FixedClock(NOW))
    assert report.error is None and till.status(NOW).pending == 0
    stall.assert_exactly_once(sold)
