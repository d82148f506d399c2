"""Sending the till's journal to the storefront: in order, in batches, marked synced only once answered.

The protocol is DESIGN section 9.3 and its Structs are :mod:`storefront.events.journal`. What makes
it safe to cut anywhere is that the till never decides on its own that an entry arrived: it marks
entries synced only up to the ``acked_seq`` the storefront answered (the highest sequence number
below which the storefront holds every entry of the device), and the storefront records each entry
id once. So a batch whose answer was lost is sent again and answered ``duplicate``; a crash
between the answer and the marking does the same; two senders at once both end where one would.

Entries are sent per device, lowest sequence first (a till may hold entries imported from
another till, each synced with that device's own token). When the storefront reports gaps (it
misses sequence numbers this till already marked synced, say after a restore from backup), the
missing entries are sent again from the journal in the same run, so a gap is mended within one
sync rather than reported forever.

Nothing here raises for a storefront that is down or slow: the attempt ends, the reason is kept
for the status line (``note_sync_error``), and the next attempt starts over from what is pending.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec

from popup.store import AckBeyondJournal, Entry, TillStore
from popup.sync.transport import Storefront, Unreachable
from storefront.clock import Clock
from storefront.events.journal import MAX_BATCH, EntryResult, SyncAnswer, SyncEntry, SyncRequest, SyncUpdates

Progress = Callable[[int, int], None]
OnUpdates = Callable[[SyncUpdates], None]

_ANSWER = msgspec.json.Decoder(SyncAnswer)
_REQUEST = msgspec.json.Encoder()


class SyncFailed(Exception):
    """This attempt stopped: the storefront refused, misunderstood or did not answer. Try again later."""


@dataclass(frozen=True)
class SyncTarget:
    """Where the journal goes: the event's sync route, and the token of each device whose entries are here."""

    event_id: uuid.UUID
    tokens: dict[uuid.UUID, str]


@dataclass
class SyncReport:
    """What one run did: entries sent and newly marked synced, conflicts the storefront recorded, why it stopped."""

    sent: int = 0
    marked: int = 0
    round_trips: int = 0
    conflicts: list[EntryResult] = field(default_factory=list)
    waiting_for_token: list[uuid.UUID] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and not self.waiting_for_token


def batch_key(device_id: uuid.UUID, entries: Iterable[Entry]) -> str:
    """The batch's ``Idempotency-Key``: derived from its content, so a resent batch replays its answer."""
    digest = hashlib.sha256(device_id.bytes)
    for entry in entries:
        digest.update(entry.id.bytes)
        digest.update(entry.content_hash.encode())
    return str(uuid.UUID(bytes=digest.digest()[:16], version=4))


def _wire(entry: Entry) -> SyncEntry:
    return SyncEntry(
        id=entry.id,
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        kind=entry.kind,
        payload=entry.payload,
        content_hash=entry.content_hash,
    )


def _refusal(status: int, body: bytes) -> str:
    """A sentence for an answer that is not a sync answer, from its problem details where it has them."""
    detail = ""
    try:
        problem = msgspec.json.decode(body)
        if isinstance(problem, dict):
            detail = str(problem.get("detail") or problem.get("title") or "")
    except msgspec.DecodeError:
        pass
    if status in (401, 403):
        return f"the storefront refused this device's token ({status}): was the device revoked? {detail}".strip()
    if status == 404:
        return f"the storefront does not know this event or device (404) {detail}".strip()
    if status == 409:
        return f"the storefront is still busy with this batch (409): it will be sent again {detail}".strip()
    if status >= 500:
        return f"the storefront failed ({status}): it will be tried again"
    return f"the storefront refused the batch ({status}): {detail}".strip()


def send_batch(storefront: Storefront, target: SyncTarget, device_id: uuid.UUID, entries: list[Entry]) -> SyncAnswer:
    """POST one batch and decode the answer; :class:`SyncFailed` for anything but a sync answer."""
    token = target.tokens[device_id]
    body = _REQUEST.encode(SyncRequest(device_id=device_id, entries=[_wire(e) for e in entries]))
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": batch_key(device_id, entries)}
    try:
        answer = storefront.post(f"/v1/events/{target.event_id}/sync", body, headers)
    except Unreachable as exc:
        raise SyncFailed(str(exc)) from None
    if answer.status != 200:
        raise SyncFailed(_refusal(answer.status, answer.body))
    try:
        return _ANSWER.decode(answer.body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise SyncFailed("the storefront's answer could not be read: nothing was marked synced") from None


def _resend_gaps(
    store: TillStore, storefront: Storefront, target: SyncTarget, device_id: uuid.UUID, answer: SyncAnswer
) -> SyncAnswer:
    """Send again the entries the storefront says it misses, from the journal, in batches."""
    wanted = {seq for low, high in answer.gaps for seq in range(low, high + 1)}
    missing = [entry for entry in store.entries(device_id=device_id) if entry.seq in wanted]
    if not missing:
        raise SyncFailed(f"the storefront misses entries {answer.gaps} of device {device_id}: this till has none")
    for start in range(0, len(missing), MAX_BATCH):
        answer = send_batch(storefront, target, device_id, missing[start : start + MAX_BATCH])
    return answer


def _sync_device(
    store: TillStore,
    storefront: Storefront,
    target: SyncTarget,
    device_id: uuid.UUID,
    clock: Clock,
    report: SyncReport,
    tick: Callable[[int], None],
    on_updates: OnUpdates | None,
    batch: int,
) -> None:
    mended = False
    while entries := store.pending(batch, device_id=device_id):
        answer = send_batch(storefront, target, device_id, entries)
        report.sent += len(entries)
        report.conflicts.extend(r for r in answer.results if r.status == "conflict")
        if answer.gaps and not mended:
            mended = True
            answer = _resend_gaps(store, storefront, target, device_id, answer)
            report.conflicts.extend(r for r in answer.results if r.status == "conflict")
        if answer.acked_seq < entries[0].seq:
            gaps = f": it misses {answer.gaps}" if answer.gaps else ""
            raise SyncFailed(f"the storefront acknowledged only up to seq {answer.acked_seq}{gaps}")
        try:
            marked = store.mark_synced(answer.acked_seq, clock(), device_id=device_id)
        except AckBeyondJournal as exc:
            raise SyncFailed(f"the storefront's answer is not about this till's journal: {exc}") from None
        report.marked += marked
        tick(marked)
        news = answer.updates
        if on_updates is not None and (news.prices or news.credits or news.reservations is not None):
            on_updates(news)


def sync(
    store: TillStore,
    storefront: Storefront,
    target: SyncTarget,
    *,
    clock: Clock,
    progress: Progress | None = None,
    on_updates: OnUpdates | None = None,
    batch: int = MAX_BATCH,
) -> SyncReport:
    """Send every pending entry this till holds; answer what happened (never raises for a failed attempt).

    ``progress(done, total)`` is called after each acknowledged batch; ``on_updates`` receives the
    price changes and credits the storefront sends back, for the till to apply.
    """
    if not 1 <= batch <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} entries")
    report = SyncReport()
    total = store.status(clock()).pending
    done = 0

    def tick(marked: int) -> None:
        nonlocal done
        done += marked
        if progress is not None:
            progress(min(done, total), total)

    rounds_before = storefront.round_trips
    try:
        for device_id in store.pending_devices():
            if device_id not in target.tokens:
                report.waiting_for_token.append(device_id)
                continue
            _sync_device(store, storefront, target, device_id, clock, report, tick, on_updates, batch)
    except SyncFailed as exc:
        report.error = str(exc)
        store.note_sync_error(report.error, clock())
    finally:
        report.round_trips = storefront.round_trips - rounds_before
    return report


def fetch_updates(storefront: Storefront, target: SyncTarget, device_id: uuid.UUID) -> SyncUpdates | None:
    """What the storefront has for an idle till (prices, caps, reservations), by an empty batch; None if unreachable.

    An empty batch changes nothing on the storefront and marks nothing here, so a failure is not a
    sync error: the status keeps telling the last real one.
    """
    if device_id not in target.tokens:
        return None
    try:
        return send_batch(storefront, target, device_id, []).updates
    except SyncFailed:
        return None
