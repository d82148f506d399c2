"""Opening a till store: durability settings that really took, and one till process per directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from popup.store import DATABASE_FILE, DeviceMismatch, StoreUnsafe, TillAlreadyOpen, TillStore
from popup.store.store import connect
from storefront.clock import FixedClock
from tests.popup.actions import sell, stock_in
from tests.popup.conftest import OpenTill

ROOT = Path(__file__).resolve().parents[2]


def test_the_connection_runs_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    conn = connect(tmp_path / DATABASE_FILE)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.isolation_level is None  # autocommit: only our BEGIN IMMEDIATE opens a transaction
    finally:
        conn.close()


def test_a_database_that_cannot_run_wal_is_refused() -> None:
    with pytest.raises(StoreUnsafe, match="journal_mode=memory"):
        connect(Path(":memory:"))


def test_foreign_keys_are_enforced_in_the_store(open_till: OpenTill) -> None:
    store = open_till()

    def orphan(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE sale (id INTEGER PRIMARY KEY, sku TEXT NOT NULL REFERENCES stock (sku))")
        conn.execute("INSERT INTO sale (sku) VALUES ('NOPE')")

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store.record("sale", {}, orphan)


def test_open_makes_the_data_directory_and_the_file(tmp_path: Path, clock: FixedClock, device: uuid.UUID) -> None:
    with TillStore.open(tmp_path / "new" / "till", device_id=device, clock=clock) as store:
        assert (tmp_path / "new" / "till" / DATABASE_FILE).is_file()
        assert store.entries() == []


def test_a_second_open_in_the_same_process_is_refused_naming_directory_and_pid(open_till: OpenTill) -> None:
    store = open_till()
    with pytest.raises(TillAlreadyOpen) as refused:
        open_till()
    assert str(store.data_dir) in str(refused.value)
    assert f"pid {os.getpid()}" in str(refused.value)
    assert refused.value.code == "till_already_open"


def test_closing_frees_the_directory(open_till: OpenTill) -> None:
    open_till().close()
    assert open_till().entries() == []


def test_another_process_is_refused_while_the_till_is_open(open_till: OpenTill) -> None:
    store = open_till()
    script = textwrap.dedent(
        f"""
        import sys, uuid
        from storefront.clock import utcnow
        from popup.store import TillAlreadyOpen, TillStore
        try:
            TillStore.open({str(store.data_dir)!r}, device_id=uuid.uuid4(), clock=utcnow)
        except TillAlreadyOpen as exc:
            print(exc)
            sys.exit(3)
        """
    )
    child = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert child.returncode == 3, child.stderr
    assert str(store.data_dir) in child.stdout
    assert f"pid {os.getpid()}" in child.stdout


def test_a_journal_belongs_to_its_device_until_reset(open_till: OpenTill, device: uuid.UUID) -> None:
    store = open_till()
    store.record("stock_count", {"sku": "MUG"}, stock_in("MUG", 3))
    store.close()
    other = uuid.uuid4()
    with pytest.raises(DeviceMismatch, match=str(device)):
        open_till(device_id=other)

    store = open_till()
    store.export_pending(store.data_dir.parent / "before-reset.jsonl")
    store.reset()
    store.close()
    adopted = open_till(device_id=other)
    assert adopted.device_id == other
    assert adopted.record("sale", {"sku": "MUG"}, sell("MUG")).seq == 1
