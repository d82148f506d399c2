"""Random sessions of a till and a rescue till, checked against a model after every step.

Hypothesis drives records (some whose action fails), pending reads, acknowledgements (fresh,
stale, repeated, and beyond the journal), exports, imports into a second store, and reopening
both. After every step: this till's seqs are 1..n without a gap, each entry keeps its id and
hash (also across reopen), a synced entry never becomes pending again, and pending is exactly
the entries above the highest acknowledged seq, on both stores.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from popup.store import AckBeyondJournal, TillStore, canonical_json, content_hash
from storefront.clock import FixedClock
from tests.popup.actions import Refused, sell, sell_then_fail, stock_in
from tests.popup.conftest import START

JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
PAYLOADS = st.dictionaries(st.text(max_size=6), JSON_VALUES | st.lists(JSON_VALUES, max_size=3), max_size=4)


class TillSessions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="till-machine-"))
        self.clock = FixedClock(START)
        self.device = uuid.uuid4()
        self.rescue_device = uuid.uuid4()
        self.till = self._open("till", self.device)
        self.rescue = self._open("rescue", self.rescue_device)
        self.till.record("stock_count", {"sku": "MUG"}, stock_in("MUG", 10_000))
        first = self.till.entries()[0]
        self.journal = {1: (first.id, first.content_hash, first.payload)}  # the model: seq -> id, hash, payload
        self.acked = 0
        self.ever_synced: set[int] = set()
        self.exports: list[tuple[Path, set[int]]] = []
        self.in_rescue: set[int] = set()
        self.rescue_acked = 0

    def _open(self, name: str, device: uuid.UUID) -> TillStore:
        return TillStore.open(self.root / name, device_id=device, clock=self.clock)

    def teardown(self) -> None:
        self.till.close()
        self.rescue.close()
        shutil.rmtree(self.root)

    # --- steps ----------------------------------------------------------------------------------

    @rule(payload=PAYLOADS)
    def record(self, payload: dict[str, object]) -> None:
        entry = self.till.record("sale", payload, sell("MUG"))
        assert entry.seq == len(self.journal) + 1
        assert entry.payload == canonical_json(payload)
        self.journal[entry.seq] = (entry.id, entry.content_hash, entry.payload)

    @rule(payload=PAYLOADS)
    def record_an_action_that_fails(self, payload: dict[str, object]) -> None:
        with pytest.raises(Refused):
            self.till.record("sale", payload, sell_then_fail("MUG"))

    @rule(limit=st.integers(1, 20))
    def read_pending(self, limit: int) -> None:
        expected = [seq for seq in sorted(self.journal) if seq > self.acked][:limit]
        assert [e.seq for e in self.till.pending(limit)] == expected

    @rule(data=st.data())
    def acknowledge(self, data: st.DataObject) -> None:
        acked = data.draw(st.integers(0, len(self.journal)), label="acked_seq")  # stale and repeated ones too
        newly = self.till.mark_synced(acked, self.clock())
        assert newly == max(0, acked - self.acked)
        self.acked = max(self.acked, acked)

    @rule(beyond=st.integers(1, 5))
    def acknowledge_beyond_the_journal(self, beyond: int) -> None:
        with pytest.raises(AckBeyondJournal):
            self.till.mark_synced(len(self.journal) + beyond, self.clock())

    @rule()
    def export(self) -> None:
        path = self.root / f"export-{len(self.exports)}.jsonl"
        report = self.till.export_pending(path)
        seqs = {seq for seq in self.journal if seq > self.acked}
        assert report.entries == len(seqs)
        self.exports.append((path, seqs))

    @precondition(lambda self: self.exports)
    @rule(data=st.data())
    def import_into_the_rescue_till(self, data: st.DataObject) -> None:
        path, seqs = data.draw(st.sampled_from(self.exports), label="export")
        report = self.rescue.import_export(path)
        assert (report.entries, report.added) == (len(seqs), len(seqs - self.in_rescue))
        self.in_rescue |= seqs

    @precondition(lambda self: self.in_rescue)
    @rule(data=st.data())
    def acknowledge_from_the_rescue_till(self, data: st.DataObject) -> None:
        acked = data.draw(st.integers(0, max(self.in_rescue)), label="rescue_acked_seq")
        self.rescue.mark_synced(acked, self.clock(), device_id=self.device)
        self.rescue_acked = max(self.rescue_acked, acked)

    @rule()
    def reopen(self) -> None:
        self.till.close()
        self.rescue.close()
        self.till = self._open("till", self.device)
        self.rescue = self._open("rescue", self.rescue_device)

    # --- what must always hold ------------------------------------------------------------------

    @invariant()
    def seqs_are_gapless_and_entries_unchanged(self) -> None:
        entries = self.till.entries()
        assert [e.seq for e in entries] == list(range(1, len(self.journal) + 1))
        assert {e.seq: (e.id, e.content_hash, e.payload) for e in entries} == self.journal
        assert all(content_hash(e.payload) == e.content_hash for e in entries)

    @invariant()
    def pending_is_everything_above_the_acknowledgement(self) -> None:
        pending = {e.seq for e in self.till.pending(10_000)}
        assert pending == {seq for seq in self.journal if seq > self.acked}
        assert not pending & self.ever_synced, "a synced entry became pending again"
        self.ever_synced |= set(self.journal) - pending
        assert self.till.status(self.clock()).pending == len(pending)

    @invariant()
    def the_rescue_till_holds_the_same_entries(self) -> None:
        held = self.rescue.entries(device_id=self.device)
        assert {e.seq: (e.id, e.content_hash, e.payload) for e in held} == {s: self.journal[s] for s in self.in_rescue}
        pending = {e.seq for e in self.rescue.pending(10_000, device_id=self.device)}
        assert pending == {seq for seq in self.in_rescue if seq > self.rescue_acked}


TestTillSessions = TillSessions.TestCase
TestTillSessions.settings = settings(max_examples=75, stateful_step_count=40, deadline=None)
