"""Schema migrations: a till updated between events keeps every unsynced entry, and syncs it."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from popup.store import CURRENT_VERSION, DATABASE_FILE, StoreTooNew, TillStore, canonical_json, content_hash, migrations
from popup.store.entries import instant_text
from popup.store.store import connect
from storefront.clock import FixedClock
from tests.popup.actions import sell
from tests.popup.conftest import START, OpenTill


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _version_1_till(directory: Path, device: uuid.UUID, pending: int) -> list[tuple[str, str]]:
    """A data directory as version 1 of the till left it: stock, and ``pending`` unsynced sales."""
    directory.mkdir()
    conn = connect(directory / DATABASE_FILE)
    try:
        assert migrations.migrate(conn, upto=1) == 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta VALUES ('device_id', ?)", (str(device),))
        conn.execute("INSERT INTO devices (device_id, last_seq) VALUES (?, ?)", (str(device), pending))
        conn.execute("INSERT INTO stock VALUES ('MUG', ?)", (50 - pending,))
        written = []
        for seq in range(1, pending + 1):
            payload = canonical_json({"sku": "MUG", "seq": seq})
            entry_id = str(uuid.uuid4())
            occurred_at = instant_text(START + timedelta(minutes=seq))
            conn.execute(
                "INSERT INTO journal (id, device_id, seq, occurred_at, kind, payload, content_hash)"
                " VALUES (?, ?, ?, ?, 'sale', ?, ?)",
                (entry_id, str(device), seq, occurred_at, payload, content_hash(payload)),
            )
            written.append((entry_id, content_hash(payload)))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return written


def test_a_new_store_is_at_the_current_version(open_till: OpenTill) -> None:
    store = open_till()
    assert _version(store.data_dir / DATABASE_FILE) == CURRENT_VERSION == len(migrations.MIGRATIONS)


def test_a_version_1_store_is_upgraded_and_keeps_every_pending_entry(
    tmp_path: Path, clock: FixedClock, device: uuid.UUID
) -> None:
    written = _version_1_till(tmp_path / "till", device, pending=4)
    with TillStore.open(tmp_path / "till", device_id=device, clock=clock) as store:
        assert _version(tmp_path / "till" / DATABASE_FILE) == CURRENT_VERSION
        pending = store.pending(100)
        assert [(str(e.id), e.content_hash) for e in pending] == written
        assert [e.seq for e in pending] == [1, 2, 3, 4]
        assert pending[0].occurred_at == START + timedelta(minutes=1)
        # ...and the upgraded store carries on: numbering, export records, sync.
        assert store.record("sale", {"sku": "MUG"}, sell("MUG")).seq == 5
        assert store.export_pending(tmp_path / "after-upgrade.jsonl").entries == 5
        assert store.mark_synced(3, clock()) == 3
        assert [e.seq for e in store.pending(100)] == [4, 5]


def test_a_migration_that_fails_leaves_the_previous_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conn = connect(tmp_path / DATABASE_FILE)
    try:
        migrations.migrate(conn)
        after = CURRENT_VERSION + 1
        broken = migrations.Migration(after, "half a change", ("CREATE TABLE receipts (id TEXT)", "NOT SQL AT ALL"))
        monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
        monkeypatch.setattr(migrations, "CURRENT_VERSION", after)
        with pytest.raises(sqlite3.OperationalError):
            migrations.migrate(conn, upto=after)
        assert migrations.schema_version(conn) == CURRENT_VERSION
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'receipts'").fetchone() is None
    finally:
        conn.close()


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path, clock: FixedClock, device: uuid.UUID) -> None:
    with TillStore.open(tmp_path / "till", device_id=device, clock=clock):
        pass
    conn = sqlite3.connect(tmp_path / "till" / DATABASE_FILE)
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(StoreTooNew, match="version 9"):
        TillStore.open(tmp_path / "till", device_id=device, clock=clock)
    # The refusal let go of the directory.
    conn = sqlite3.connect(tmp_path / "till" / DATABASE_FILE)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION}")
    conn.close()
    TillStore.open(tmp_path / "till", device_id=device, clock=clock).close()
