"""Opening a till in-process (what ``popup open`` runs before serving): packs replaced or kept, and speed.

The speed checks are the till's two budgets: opening with 10,000 unsynced sales in the journal
(under 2 s: nothing at start-up may read the whole journal), and one sale's commit through the
JSON route with those 10,000 behind it (p99 under 10 ms: nothing per sale may either).
"""

from __future__ import annotations

import sqlite3
import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from popup.store import DATABASE_FILE, ResetRefused
from popup.store.entries import canonical_json, content_hash, instant_text
from popup.till import selling
from popup.till.config import open_till
from popup.till.context import Idempotency
from popup.till.errors import TillSetupError
from popup.till.schemas import LineIn, SaleIn, TenderIn
from storefront.clock import FixedClock
from storefront.events.pack import TamperedPack
from tests.popup.till_fixtures import DEVICE, KEY, NOW, PIN, make_pack, open_app

PIP = {"sku": "MH-PIP-OXB", "quantity": 1}
CASH = {"kind": "cash", "amount": 4_500}


def _pack_file(path: Path, body: bytes) -> Path:
    path.write_bytes(body)
    return path


def test_a_pack_for_another_event_waits_until_every_entry_is_synced(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_app(data) as till:
        assert till.unlocked().sale([PIP], [CASH]).status_code == 201
    other = _pack_file(tmp_path / "other.json", make_pack(event=uuid.uuid4(), allocation={"MH-PIP-OXB": 50}))
    with pytest.raises(ResetRefused, match=r"1 entry in .* neither synced nor exported"):
        open_till(data, other, key=None, pin=None, clock=FixedClock(NOW))
    # Nothing was replaced: the first pack and its sale are still there.
    with open_app(data) as till:
        assert till.unlocked().stock("MH-PIP-OXB") == 9
        assert len(till.context.store.entries()) == 1
        till.context.store.mark_synced(1, NOW)
    opened = open_till(data, other, key=None, pin=None, clock=FixedClock(NOW))
    try:
        assert opened.replaced
        assert opened.till.store.entries() == []
        assert opened.till.allocation == {"MH-PIP-OXB": 50}
    finally:
        opened.till.store.close()


def test_a_replaced_pack_starts_from_its_own_allocation_and_keeps_numbering(tmp_path: Path) -> None:
    data = tmp_path / "till"
    key = {"Idempotency-Key": "the-same-key"}
    with open_app(data) as till:
        first = till.unlocked().post("/sales", {"lines": [PIP], "tenders": [CASH]}, **key).json()
        assert first["number"].endswith("-00001")
        till.context.store.mark_synced(1, NOW)
    with open_app(data, make_pack(event=uuid.uuid4())) as till:
        till.unlocked()
        assert till.opened.replaced
        assert till.stock("MH-PIP-OXB") == 10
        # The reset took the till's own rows with the journal: the old sale, its key.
        assert till.get("/sales").json() == []
        assert till.get(f"/sales/{first['id']}").status_code == 404
        assert till.post("/sales", {"lines": [PIP], "tenders": [CASH]}, **key).json()["id"] != first["id"]
        # Receipt numbers never repeat under this device's mark, even for a new event.
        assert till.sale([PIP], [CASH]).json()["number"].endswith("-00003")


def test_a_fresh_pack_of_the_same_event_replaces_it_in_place(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_app(data) as till:
        till.unlocked().sale([PIP], [CASH])
    fresh = make_pack(now=NOW + timedelta(minutes=5))
    with open_app(data, fresh) as till:
        assert not till.opened.replaced
        assert len(till.context.store.entries()) == 1
        assert till.unlocked().stock("MH-PIP-OXB") == 9
    assert (data / "pack.json").read_bytes() == fresh


def test_the_kept_pack_is_checked_again_at_every_open(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_app(data):
        pass
    kept = data / "pack.json"
    kept.write_bytes(kept.read_bytes().replace(b'"price":12500', b'"price":1'))
    with pytest.raises(TamperedPack):
        open_till(data, None, key=None, pin=None, clock=FixedClock(NOW))


def test_a_pack_for_another_device_cannot_take_over_its_journal(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_app(data) as till:
        till.unlocked().sale([PIP], [CASH])
    other = _pack_file(tmp_path / "other.json", make_pack(device=uuid.uuid4()))
    with pytest.raises(Exception, match="holds the journal of device") as refused:
        open_till(data, other, key=None, pin=None, clock=FixedClock(NOW))
    assert getattr(refused.value, "code", "") == "till_device_mismatch"


def test_a_second_open_of_the_same_directory_is_refused(tmp_path: Path) -> None:
    with open_app(tmp_path / "till"):
        pack = tmp_path / "till-pack.json"
        with pytest.raises(Exception, match="already open") as refused:
            open_till(tmp_path / "till", pack, key=KEY, pin=PIN, clock=FixedClock(NOW))
        assert getattr(refused.value, "code", "") == "till_already_open"


def test_a_pin_given_again_replaces_it_and_a_damaged_pin_file_is_a_setup_error(tmp_path: Path) -> None:
    data = tmp_path / "till"
    with open_app(data):
        pass
    opened = open_till(data, None, key=None, pin="97531", clock=FixedClock(NOW))
    try:
        assert opened.pin.matches("97531") and not opened.pin.matches(PIN)
    finally:
        opened.till.store.close()
    (data / "pin.json").write_text("{broken")
    with pytest.raises(TillSetupError, match="damaged"):
        open_till(data, None, key=None, pin=None, clock=FixedClock(NOW))


def test_the_pack_key_of_another_device_is_refused_as_tampering(tmp_path: Path) -> None:
    pack = _pack_file(tmp_path / "pack.json", make_pack(key="cd" * 32))
    with pytest.raises(TamperedPack):
        open_till(tmp_path / "till", pack, key=KEY, pin=PIN, clock=FixedClock(NOW))


# --- the budgets ----------------------------------------------------------------------------------


def _fill_journal(data: Path, count: int) -> None:
    """``count`` unsynced sale entries written straight into the store (one transaction, not 10,000 fsyncs)."""
    conn = sqlite3.connect(data / DATABASE_FILE, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        rows = []
        for seq in range(1, count + 1):
            payload = canonical_json({"number": f"BULK-{seq:05d}", "lines": [PIP], "tenders": [CASH]})
            at = instant_text(NOW - timedelta(hours=2) + timedelta(seconds=seq))
            rows.append((str(uuid.uuid4()), str(DEVICE), seq, at, "sale", payload, content_hash(payload)))
        conn.executemany(
            "INSERT INTO journal (id, device_id, seq, occurred_at, kind, payload, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("UPDATE devices SET last_seq = ? WHERE device_id = ?", (count, str(DEVICE)))
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def busy_till(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A till data directory whose journal holds 10,000 unsynced sales."""
    data = tmp_path_factory.mktemp("busy") / "till"
    with open_app(data):
        pass
    _fill_journal(data, 10_000)
    return data


def test_opening_with_10000_unsynced_entries_takes_under_2_seconds(busy_till: Path) -> None:
    started = time.perf_counter()
    opened = open_till(busy_till, None, key=None, pin=None, clock=FixedClock(NOW))
    try:
        from popup.till.app import create_app

        create_app(opened.till, opened.pin)
        assert opened.till.store.status(NOW).pending == 10_000
        elapsed = time.perf_counter() - started
    finally:
        opened.till.store.close()
    assert elapsed < 2.0, f"opening took {elapsed:.2f} s"


def _sale_costs(data_dir: Path, sales: int) -> tuple[list[float], list[float], int]:
    """Per sale: seconds through ``selling.sell`` (what ``POST /sales`` does once its body is decoded:
    price, settle, record with fsync, answer), seconds of a bare journal write of the same payload
    (the disk's own commit), and SQLite virtual-machine steps per sale (what grows with a table scan)."""
    data = SaleIn(lines=[LineIn(sku="MH-PIP-OXB")], tenders=[TenderIn(kind="cash", amount=4_500)])
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with open_app(data_dir, (data_dir / "pack.json").read_bytes()) as till:
        store = till.context.store
        sold, bare = [], []
        for n in range(sales):
            started = time.perf_counter()
            recorded = selling.sell(till.context, data, "Ada", Idempotency.of("sales", f"bench-{n}", data))
            selling.answer(till.context, recorded)
            sold.append(time.perf_counter() - started)
            started = time.perf_counter()
            store.record("sale", msgspec.json.decode(recorded.entry.payload), lambda _conn: None)
            bare.append(time.perf_counter() - started)
        store._conn.set_progress_handler(count, 10)
        for n in range(20):
            selling.sell(till.context, data, "Ada", Idempotency.of("sales", f"steps-{n}", data))
        store._conn.set_progress_handler(None, 0)
    return sorted(sold), sorted(bare), steps[0] // 20


def test_a_sale_costs_the_same_with_10000_unsynced_entries_as_with_none(busy_till: Path, tmp_path: Path) -> None:
    """The sale path reads and writes a few rows by key: no step of it grows with the journal."""
    empty = tmp_path / "empty"
    with open_app(empty):
        pass
    _, _, steps_empty = _sale_costs(empty, 5)
    _, _, steps_busy = _sale_costs(busy_till, 5)
    assert steps_busy <= steps_empty * 1.2, (steps_empty, steps_busy)


def test_a_sale_commits_in_under_10_ms_at_p99_with_10000_unsynced_entries(busy_till: Path) -> None:
    """p99 under 10 ms, or, on a disk whose own commit is slower than that, within twice the disk's.

    The commit's fsync is most of a sale (about 1 ms of Python and SQLite work around it), so on a
    busy shared disk the bare journal write measured in the same run is the floor to compare with:
    there, a bare fsync alone has a p99 past 10 ms.
    """
    sold, bare, _ = _sale_costs(busy_till, 200)
    p99, floor = sold[int(len(sold) * 0.99) - 1], bare[int(len(bare) * 0.99) - 1]
    median, bare_median = statistics.median(sold), statistics.median(bare)
    figures = f"sale p99 {p99 * 1000:.1f} ms (median {median * 1000:.1f}); bare commit p99 {floor * 1000:.1f} ms"
    assert p99 < max(0.010, 2 * floor), figures
    assert median < bare_median + 0.003, figures
