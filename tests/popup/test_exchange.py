"""Export and import: a till's unsynced entries move to another till intact, once, or not at all."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from popup.store import ExportFileInvalid, ImportConflict, ImportReport, TillStore
from storefront.clock import FixedClock
from tests.popup.actions import sell, stock_in
from tests.popup.conftest import OpenTill


def _sell(store: TillStore, clock: FixedClock, sales: int) -> None:
    store.record("stock_count", {"sku": "MUG"}, stock_in("MUG", 100))
    for n in range(sales):
        clock.advance(timedelta(seconds=30))
        store.record("sale", {"sku": "MUG", "n": n}, sell("MUG"))


def _exported_seqs(store: TillStore) -> list[int]:
    rows = store.read(
        lambda conn: conn.execute(
            "SELECT j.seq FROM exported_entries AS x JOIN journal AS j ON j.id = x.entry_id ORDER BY j.seq"
        ).fetchall()
    )
    return [row[0] for row in rows]


def test_export_writes_header_entries_and_checksum_and_remembers_the_seqs(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path, device: uuid.UUID
) -> None:
    store = open_till()
    _sell(store, clock, sales=3)
    store.mark_synced(1, clock())
    report = store.export_pending(tmp_path / "stall.jsonl")

    lines = (tmp_path / "stall.jsonl").read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "stallkit-till-export"
    assert (header["version"], header["device_id"], header["entries"]) == (1, str(device), 3)
    assert [json.loads(line)["seq"] for line in lines[1:-1]] == [2, 3, 4]
    assert json.loads(lines[-1]) == {"checksum": report.checksum}
    assert (report.entries, report.device_id) == (3, device)
    assert _exported_seqs(store) == [2, 3, 4]
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["stall.jsonl"]  # no temporary file left


def test_import_adds_the_entries_as_pending_exactly_as_written(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path, device: uuid.UUID
) -> None:
    source = open_till("source")
    _sell(source, clock, sales=3)
    source.export_pending(tmp_path / "stall.jsonl")

    rescue = open_till("rescue", device_id=uuid.uuid4())
    assert rescue.import_export(tmp_path / "stall.jsonl") == ImportReport(entries=4, added=4)
    assert rescue.pending_devices() == [device]
    assert rescue.pending(100, device_id=device) == source.entries()
    assert rescue.status(clock()).pending == 4
    # Syncing from the rescue till acknowledges the source device's sequence numbers.
    assert rescue.mark_synced(4, clock(), device_id=device) == 4
    assert rescue.pending_devices() == []


def test_importing_the_same_file_twice_adds_nothing(open_till: OpenTill, clock: FixedClock, tmp_path: Path) -> None:
    source = open_till("source")
    _sell(source, clock, sales=2)
    source.export_pending(tmp_path / "stall.jsonl")
    rescue = open_till("rescue", device_id=uuid.uuid4())
    rescue.import_export(tmp_path / "stall.jsonl")
    assert rescue.import_export(tmp_path / "stall.jsonl") == ImportReport(entries=3, added=0)
    assert len(rescue.pending(100, device_id=source.device_id)) == 3


def test_a_later_export_adds_only_what_is_new(open_till: OpenTill, clock: FixedClock, tmp_path: Path) -> None:
    source = open_till("source")
    _sell(source, clock, sales=2)
    source.export_pending(tmp_path / "first.jsonl")
    source.record("sale", {"sku": "MUG", "n": 99}, sell("MUG"))
    source.export_pending(tmp_path / "second.jsonl")
    rescue = open_till("rescue", device_id=uuid.uuid4())
    assert rescue.import_export(tmp_path / "first.jsonl").added == 3
    assert rescue.import_export(tmp_path / "second.jsonl") == ImportReport(entries=4, added=1)
    assert rescue.pending(100, device_id=source.device_id) == source.entries()


def test_entries_the_server_already_acknowledged_arrive_synced(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    source = open_till("source")
    _sell(source, clock, sales=3)
    source.export_pending(tmp_path / "old.jsonl")  # seqs 1..4
    source.mark_synced(2, clock())
    source.export_pending(tmp_path / "new.jsonl")  # seqs 3..4
    rescue = open_till("rescue", device_id=uuid.uuid4())
    rescue.import_export(tmp_path / "new.jsonl")
    rescue.mark_synced(4, clock(), device_id=source.device_id)
    assert rescue.import_export(tmp_path / "old.jsonl").added == 2  # seqs 1 and 2, known to the server
    assert rescue.pending(100, device_id=source.device_id) == []


def _exported(open_till: OpenTill, clock: FixedClock, tmp_path: Path) -> tuple[Path, TillStore]:
    source = open_till("source")
    _sell(source, clock, sales=3)
    path = tmp_path / "stall.jsonl"
    source.export_pending(path)
    return path, open_till("rescue", device_id=uuid.uuid4())


def test_a_file_that_does_not_match_its_checksum_imports_nothing(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    path, rescue = _exported(open_till, clock, tmp_path)
    path.write_text(path.read_text().replace('\\"n\\":1', '\\"n\\":7'))
    with pytest.raises(ExportFileInvalid, match="checksum"):
        rescue.import_export(path)
    assert rescue.status(clock()).pending == 0


def test_a_truncated_file_imports_nothing_wherever_it_was_cut(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    path, rescue = _exported(open_till, clock, tmp_path)
    whole = path.read_bytes()
    cut = tmp_path / "cut.jsonl"
    line_ends = [i + 1 for i, byte in enumerate(whole) if byte == ord("\n")]
    for size in sorted({0, 1, 10, len(whole) // 2, len(whole) - 1, *line_ends[:-1]}):
        cut.write_bytes(whole[:size])
        with pytest.raises(ExportFileInvalid, match=r"truncated|checksum"):
            rescue.import_export(cut)
    assert rescue.status(clock()).pending == 0


def test_a_file_that_is_no_export_is_refused(open_till: OpenTill, tmp_path: Path) -> None:
    rescue = open_till()
    path = tmp_path / "notes.txt"
    path.write_text("buy more mugs\nand tape\n")
    with pytest.raises(ExportFileInvalid, match="truncated"):
        rescue.import_export(path)


def test_an_entry_that_contradicts_the_journal_imports_nothing(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    source = open_till("source")
    _sell(source, clock, sales=1)
    path = tmp_path / "stall.jsonl"
    source.export_pending(path)
    rescue = open_till("rescue", device_id=uuid.uuid4())
    rescue.import_export(path)
    before = rescue.entries(device_id=source.device_id)
    source.close()

    # A second till wrongly set up as the same device journals a different seq 1 and 2.
    twin = open_till("twin", device_id=source.device_id)
    _sell(twin, clock, sales=2)
    twin.export_pending(tmp_path / "twin.jsonl")
    with pytest.raises(ImportConflict, match="seq 1"):
        rescue.import_export(tmp_path / "twin.jsonl")
    assert rescue.entries(device_id=source.device_id) == before


def test_the_same_id_with_different_content_imports_nothing(
    open_till: OpenTill, clock: FixedClock, tmp_path: Path
) -> None:
    path, rescue = _exported(open_till, clock, tmp_path)
    rescue.import_export(path)
    before = rescue.entries(device_id=uuid.UUID(json.loads(path.read_text().splitlines()[0])["device_id"]))
    # Rewrite the file consistently (a valid checksum) but with one entry's kind changed.
    lines = path.read_text().splitlines()[:-1]
    altered = json.loads(lines[2])
    altered["kind"] = "void"
    lines[2] = json.dumps(altered, separators=(",", ":"))
    body = "".join(line + "\n" for line in lines)
    trailer = json.dumps({"checksum": hashlib.sha256(body.encode()).hexdigest()})
    path.write_text(body + trailer + "\n")
    with pytest.raises(ImportConflict, match="different content"):
        rescue.import_export(path)
    assert rescue.entries(device_id=before[0].device_id) == before


def test_export_replaces_an_older_file_whole(open_till: OpenTill, clock: FixedClock, tmp_path: Path) -> None:
    store = open_till()
    path = tmp_path / "stall.jsonl"
    _sell(store, clock, sales=1)
    store.export_pending(path)
    store.record("sale", {"sku": "MUG", "n": 5}, sell("MUG"))
    assert store.export_pending(path).entries == 3
    rescue = open_till("rescue", device_id=uuid.uuid4())
    assert rescue.import_export(path).added == 3
