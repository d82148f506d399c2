"""The sync protocol's bookkeeping, alone (no database): verdicts, acked_seq and gaps against a model of the server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from popup.store.entries import canonical_json, content_hash
from storefront.events import journal as j
from storefront.events.ingest import entries

DEVICE = uuid.UUID(int=1)
T0 = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)


def entry(seq: int, *, counted: int = 1, at: datetime = T0, id: uuid.UUID | None = None) -> j.SyncEntry:
    text = canonical_json(j.CashUp(currency="GBP", opening_float=0, expected=0, counted=counted, staff="Ada"))
    return j.SyncEntry(
        id=id or uuid.UUID(int=1000 + seq), seq=seq, occurred_at=at, kind="cash_up", payload=text,
        content_hash=content_hash(text),
    )  # fmt: skip


def stored(e: j.SyncEntry, device: uuid.UUID = DEVICE) -> entries.Stored:
    return entries.Stored(
        id=e.id, device_id=device, seq=e.seq, kind=e.kind, occurred_at=e.occurred_at, payload=e.payload,
        content_hash=e.content_hash,
    )  # fmt: skip


def test_new_duplicate_and_conflicting_entries() -> None:
    one, two = entry(1), entry(2, counted=2)
    by_id = {one.id: stored(one)}
    judged = entries.judge(
        [one, msgspec.structs.replace(one, payload=two.payload), two, two], DEVICE, by_id, {1: one.id}
    )
    assert [x.verdict for x in judged] == ["duplicate", "conflict", "apply", "duplicate"]
    assert judged[1].flag == "id_reused" and not judged[1].store
    assert judged[2].store and isinstance(judged[2].payload, j.CashUp)


def test_another_devices_entry_under_the_same_id_is_a_conflict() -> None:
    one = entry(1)
    [x] = entries.judge([one], DEVICE, {one.id: stored(one, device=uuid.UUID(int=2))}, {})
    assert x.verdict == "conflict"


def test_a_seq_taken_by_another_id_and_a_twin_in_the_batch() -> None:
    one, other = entry(1), entry(1, id=uuid.UUID(int=7))
    judged = entries.judge([one, other], DEVICE, {}, {})
    assert [x.verdict for x in judged] == ["apply", "conflict"] and judged[1].flag == "seq_reused"
    changed = msgspec.structs.replace(one, occurred_at=T0 + timedelta(seconds=1))
    assert [x.verdict for x in entries.judge([one, changed], DEVICE, {}, {})] == ["apply", "conflict"]


def test_a_bad_hash_or_payload_is_kept_as_a_conflict() -> None:
    good = entry(1)
    bad_hash = msgspec.structs.replace(good, content_hash="0" * 64)
    bad_kind = msgspec.structs.replace(entry(2), kind="sale")
    judged = entries.judge([bad_hash, bad_kind], DEVICE, {}, {})
    assert [(x.verdict, x.store, x.flag) for x in judged] == [("conflict", True, "bad_entry")] * 2


def test_gaps_and_acked() -> None:
    assert entries.gaps_of([]) == (0, [])
    assert entries.gaps_of([1, 2, 3]) == (3, [])
    assert entries.gaps_of([2, 3]) == (0, [(1, 1)])
    assert entries.gaps_of([1, 2, 5, 7]) == (2, [(3, 4), (6, 6)])


def test_the_clock_never_orders_anything() -> None:
    early, late = entry(1, at=T0 + timedelta(hours=48)), entry(2, at=T0 - timedelta(hours=48))
    assert [x.entry.seq for x in entries.judge([early, late], DEVICE, {}, {})] == [1, 2]


class Server:
    """A model of the server's entry table, driven by :func:`entries.judge` as the sync drives it."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, entries.Stored] = {}
        self.applied: list[uuid.UUID] = []

    def sync(self, batch: list[j.SyncEntry]) -> tuple[list[str], int, list[tuple[int, int]]]:
        order = sorted(range(len(batch)), key=lambda i: batch[i].seq)  # as the sync sorts: stable, by seq
        by_seq = {s.seq: s.id for s in self.rows.values()}
        judged = entries.judge([batch[i] for i in order], DEVICE, self.rows, by_seq)
        for x in judged:
            if x.store:
                self.rows[x.entry.id] = stored(x.entry)
            if x.verdict == "apply":
                self.applied.append(x.entry.id)
        verdicts = {i: x.verdict for i, x in zip(order, judged, strict=True)}
        acked, gaps = entries.gaps_of(s.seq for s in self.rows.values())
        return [verdicts[i] for i in range(len(batch))], acked, gaps


journal_size = st.integers(min_value=1, max_value=25)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=journal_size)
def test_any_mix_of_repeats_reorders_drops_and_tampering_applies_each_entry_once(
    data: st.DataObject, size: int
) -> None:
    journal = [entry(seq, counted=seq) for seq in range(1, size + 1)]
    server = Server()
    sent: set[int] = set()
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        picks = data.draw(st.lists(st.integers(min_value=0, max_value=size - 1), max_size=12))
        batch = [journal[i] for i in picks]
        tampered = data.draw(st.booleans()) and batch
        if tampered:
            batch.append(msgspec.structs.replace(batch[0], payload=entry(1, counted=999_999).payload))
        verdicts, acked, gaps = server.sync(batch)
        for e, verdict in zip(batch, verdicts, strict=True):
            first = e.seq not in sent and e in journal
            if e not in journal:
                assert verdict == "conflict"
            elif first:
                assert verdict == "apply"
                sent.add(e.seq)
            else:
                assert verdict == "duplicate"
        received = sorted(sent)
        expected_acked = next((n for n in range(1, size + 2) if n not in sent), size + 1) - 1
        assert acked == expected_acked
        missing = [n for n in range(1, max(received, default=0)) if n not in sent]
        assert [n for a, b in gaps for n in range(a, b + 1)] == missing
    assert sorted(server.applied, key=lambda i: i.int) == sorted((journal[s - 1].id for s in sent), key=lambda i: i.int)
    assert len(server.applied) == len(set(server.applied))


def test_control_characters_escaped_in_the_payload_make_it_a_conflict() -> None:
    text = canonical_json(j.CashUp(currency="GBP", opening_float=0, expected=0, counted=0, staff="A\x00da"))
    assert "\\u0000" in text
    e = msgspec.structs.replace(entry(1), payload=text, content_hash=content_hash(text))
    [x] = entries.judge([e], DEVICE, {}, {})
    assert (x.verdict, x.store) == ("conflict", True) and "control characters" in (x.detail or "")
    fine = canonical_json(j.CashUp(currency="GBP", opening_float=0, expected=0, counted=0, staff="Ada", note="a\nb"))
    ok = msgspec.structs.replace(entry(2), payload=fine, content_hash=content_hash(fine))
    assert entries.judge([ok], DEVICE, {}, {})[0].verdict == "apply"


def test_a_sale_that_does_not_add_up_is_described() -> None:
    from storefront.events.ingest.apply_sale import arithmetic_problem

    line = j.SaleLine(sku="S", quantity=2, unit_price=500)
    cash = j.Tender(kind="cash", amount=900)
    sale = j.Sale(
        number="7K3MQ9-00001", currency="GBP", lines=[line], subtotal=1_000, total=900, tenders=[cash], change=0,
        staff="Ada", discount=j.Discount(amount=100, reason="regular", staff="Ada"),
    )  # fmt: skip
    assert arithmetic_problem(sale, "GBP") is None
    assert arithmetic_problem(sale, "EUR") == "priced in GBP, not the brand's EUR"
    assert "lines come to 1000" in (arithmetic_problem(msgspec.structs.replace(sale, subtotal=1_100), "GBP") or "")
    assert "tenders come to 900" in (
        arithmetic_problem(msgspec.structs.replace(sale, total=1_000, discount=None), "GBP") or ""
    )
