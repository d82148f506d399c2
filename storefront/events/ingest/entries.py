"""Which entries of a sync batch are new, replays or conflicts, and what a device has sent so far (pure).

The server keeps every entry it receives under the till's id and the device's sequence number.
A batch is judged against those rows (read in one query for the whole batch) and against
itself (a batch may repeat an entry): the same id with the same content is a replay; the same
id with other content, or the same sequence number under another id, is a conflict that is
never merged or applied; an entry whose hash is not its payload's, or whose payload is not its
kind, is received (its sequence number is taken) but not applied. Order is the device's
sequence, never ``occurred_at``: a till's clock may be days wrong.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Literal

import msgspec

from storefront.events.journal import SyncEntry, decode_payload

Verdict = Literal["apply", "duplicate", "conflict"]
MAX_GAPS = 100  # a device with more holes than this is told of the first hundred


class Stored(msgspec.Struct, frozen=True, kw_only=True):
    """An entry as kept: what a second arrival is compared with."""

    id: uuid.UUID
    device_id: uuid.UUID
    seq: int
    kind: str
    occurred_at: datetime
    payload: str
    content_hash: str
    conflict: str | None = None  # why it was received but not applied, if it was not


class Judged(msgspec.Struct, frozen=True, kw_only=True):
    entry: SyncEntry
    verdict: Verdict
    detail: str | None = None
    store: bool = False  # a conflict kept as an entry row (its id and sequence number were free)
    flag: str | None = None  # the kind of flag the merchant sees, if any
    payload: msgspec.Struct | None = None  # decoded, when ``verdict`` is ``apply``


def payload_hash(payload: str) -> str:
    """SHA-256 of the payload's UTF-8 bytes, hex: how the till hashes (``popup.store.entries``)."""
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def same_content(entry: SyncEntry, device_id: uuid.UUID, stored: Stored) -> bool:
    return (
        stored.device_id == device_id
        and stored.seq == entry.seq
        and stored.kind == entry.kind
        and stored.occurred_at == entry.occurred_at
        and stored.payload == entry.payload
        and stored.content_hash == entry.content_hash
    )


# Escaped in JSON text, control characters still decode into strings; none may land in a column
# (PostgreSQL refuses NUL outright). Notes keep tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _decoded(entry: SyncEntry) -> tuple[msgspec.Struct | None, str | None]:
    if payload_hash(entry.payload) != entry.content_hash:
        return None, "content_hash is not the SHA-256 of the payload"
    try:
        payload = decode_payload(entry.kind, entry.payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return None, f"the payload is not a valid {entry.kind!r} entry: {exc}"[:300]
    if any(_CONTROL.search(text) for text in _texts(msgspec.to_builtins(payload))):
        return None, f"the payload's text has control characters: not a valid {entry.kind!r} entry"
    return payload, None


def judge(
    batch: Sequence[SyncEntry],
    device_id: uuid.UUID,
    by_id: Mapping[uuid.UUID, Stored],
    by_seq: Mapping[int, uuid.UUID],
) -> list[Judged]:
    """A verdict per entry, in the batch's order; ``by_id``/``by_seq`` are the stored rows the batch names."""
    seen: dict[uuid.UUID, SyncEntry] = {}
    seqs: dict[int, uuid.UUID] = dict(by_seq)
    out: list[Judged] = []
    for entry in batch:
        stored = by_id.get(entry.id)
        twin = seen.get(entry.id)
        if stored is not None:
            if same_content(entry, device_id, stored):
                # A till that lost the first answer still learns that this entry was not applied.
                why = f"received before as a conflict: {stored.conflict}" if stored.conflict is not None else None
                out.append(Judged(entry=entry, verdict="duplicate", detail=why))
            else:
                detail = (
                    f"entry {entry.id} was received before with other content (seq {stored.seq}): "
                    "this one is recorded for the merchant, never merged or applied"
                )
                out.append(Judged(entry=entry, verdict="conflict", detail=detail, flag="id_reused"))
            continue
        if twin is not None:
            if twin == entry:
                out.append(Judged(entry=entry, verdict="duplicate"))
            else:
                detail = f"entry {entry.id} appears twice in this batch with different content"
                out.append(Judged(entry=entry, verdict="conflict", detail=detail, flag="id_reused"))
            continue
        holder = seqs.get(entry.seq)
        if holder is not None and holder != entry.id:
            detail = f"seq {entry.seq} of this device is already entry {holder}: this entry is recorded, not applied"
            out.append(Judged(entry=entry, verdict="conflict", detail=detail, flag="seq_reused"))
            continue
        seen[entry.id] = entry
        seqs[entry.seq] = entry.id
        payload, problem = _decoded(entry)
        if problem is not None:
            out.append(Judged(entry=entry, verdict="conflict", detail=problem, store=True, flag="bad_entry"))
        else:
            out.append(Judged(entry=entry, verdict="apply", store=True, payload=payload))
    return out


def acked_and_gaps(breaks: Iterable[tuple[int, int]], highest: int) -> tuple[int, list[tuple[int, int]]]:
    """``acked_seq`` and the missing ranges, from each stored seq that follows a hole (``(previous, seq)``,
    in seq order, ``previous`` 0 for the first) and the highest seq stored (0: none)."""
    gaps = [(previous + 1, seq - 1) for previous, seq in breaks if seq > previous + 1]
    return (gaps[0][0] - 1 if gaps else highest), gaps[:MAX_GAPS]


def gaps_of(seqs: Iterable[int]) -> tuple[int, list[tuple[int, int]]]:
    """The same from every seq a device has stored: the definition, for tests and small sets."""
    ordered = sorted(set(seqs))
    previous = [0, *ordered][: len(ordered)]
    return acked_and_gaps(zip(previous, ordered, strict=True), ordered[-1] if ordered else 0)
