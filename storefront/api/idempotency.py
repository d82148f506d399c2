"""``Idempotency-Key`` for every mutating request, as ASGI middleware.

The first request with a key claims it (a row with a unique (brand, key) constraint, written
before the handler runs), then stores the response it produced. A retry with the same key
and the same request gets that response back byte for byte, marked ``Idempotent-Replayed``;
the same key with a different request is a 409. Responses of 5xx are not stored, so a retry
can succeed, nor are ``Cache-Control: no-store`` ones (a new API key's text must never rest in
this table), so a retry runs again. Keys are scoped to the brand and kept for 24 hours.

A claim is a lease. While it is younger than the lease (``STALLKIT_IDEMPOTENCY_LEASE_S``) a retry
is a 409 ``idempotency_in_progress``, never a second execution. A process killed mid-request
leaves its claim behind with no response; once the lease has run out, the next retry of the same
request takes the claim over, with one conditional UPDATE (no response yet and claimed before the
cutoff), so of two retries only one can, and finishes the work. A finished request is never run
again: it has a response, and a response is replayed.

The claim's time (``created_at``) is also its fencing token: a request stores its response, or
gives its claim up, only where the row still carries the time it claimed at. A request that was
slow rather than dead and outlives its lease therefore cannot overwrite the response of the retry
that took over; its own client still gets its answer. The two may have run side by side, which is
safe because the lease is far longer than any request that only touches the database, and the
requests slow enough to outlive it are the ones waiting on Stripe, whose effects are idempotent by
construction (one order per cart, Stripe calls keyed by our own ids, state transitions that refuse
to repeat).

A publishable key is shared by every shopper of the brand, so its idempotency keys are too: a
shopper reusing another's key would be handed that shopper's cart. With a publishable key the
Idempotency-Key must therefore be a random version 4 UUID (``crypto.randomUUID()``), and keys whose
"random" digits are visibly not random (``11111111-1111-4111-8111-111111111111``) are refused.
For a new cart the key is then the only secret between the shopper and the stored answer; under
``/v1/carts/{id}`` the cart id, the shopper's capability, is part of the request compared as well.
Records made with a publishable key are never replayed to a secret key's request, nor the reverse.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Message, Receive, ReceiveMessage, Scope, Send
from tortoise.exceptions import IntegrityError

from storefront.api.asgi import send_problem
from storefront.api.models import IdempotencyRecord
from storefront.clock import Clock, utcnow
from storefront.errors import FieldError
from storefront.params import BODY_LIMIT_OPT
from storefront.tenancy import PRINCIPAL_STATE_KEY, Principal

log = logging.getLogger("stallkit.api")

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
RETENTION = timedelta(hours=24)
DEFAULT_LEASE = timedelta(seconds=180)  # Settings.idempotency_lease_s says why
_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.IGNORECASE)
# Refusal thresholds for the 31 digits of a v4 UUID other than its version digit. For a random
# UUID the chance of six or fewer distinct digits is 4.9e-10, and of 22 or more of the 30 steps
# between neighbours being 0 or +-1 (mod 16) is 1.2e-10: about one honest key in 1.6 billion is
# refused, and its client simply makes another.
_MIN_DISTINCT_DIGITS = 7
_MAX_SMOOTH_STEPS = 21
_ATTEMPTS = 3

Verdict = Literal["replay", "reused", "in_progress", "lapsed"]


def is_random_uuid(key: str) -> bool:
    """A version 4 UUID in its usual spelling whose random digits do not form an obvious pattern."""
    if not _UUID4.fullmatch(key):
        return False
    digits = key.lower().replace("-", "")
    body = [int(d, 16) for d in digits[:12] + digits[13:]]
    smooth = sum(1 for a, b in itertools.pairwise(body) if (b - a) % 16 in (0, 1, 15))
    return len(set(body)) >= _MIN_DISTINCT_DIGITS and smooth <= _MAX_SMOOTH_STEPS


def request_fingerprint(
    method: str, path: str, query: bytes, body: bytes, kind: Literal["publishable", "secret"]
) -> str:
    """What a retry must repeat exactly to be answered from a record: the request, and for a
    publishable key the key's kind too, so no record crosses between the two kinds of key."""
    digest = hashlib.sha256()
    parts = [method.encode(), path.encode(), query, body]
    if kind == "publishable":
        parts.append(b"publishable")
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def judge(
    *,
    stored_hash: str,
    status_code: int | None,
    claimed_at: datetime,
    request_hash: str,
    now: datetime,
    lease: timedelta,
) -> Verdict:
    """What a request meeting an existing record gets.

    A key belongs to the first request that used it, even once its claim has lapsed: someone
    else's request under that key could find half of the first one's work done.
    """
    if stored_hash != request_hash:
        return "reused"
    if status_code is not None:
        return "replay"
    return "lapsed" if claimed_at < now - lease else "in_progress"


@dataclass(frozen=True)
class Claim:
    """The record a request holds, and the claim time that proves it still holds it."""

    record_id: uuid.UUID
    claimed_at: datetime


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, max_body_bytes: int, lease: timedelta = DEFAULT_LEASE, clock: Clock = utcnow
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.lease = lease
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in _MUTATING:
            await self.app(scope, receive, send)
            return
        principal: Principal | None = scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
        key = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"idempotency-key"), None)
        if principal is None or key is None:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not KEY_PATTERN.fullmatch(key):
            await send_problem(
                send,
                400,
                "invalid_idempotency_key",
                "Invalid Idempotency-Key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                path,
                errors=[FieldError("header.idempotency-key", "1 to 255 visible ASCII characters")],
            )
            return
        if principal.kind == "publishable" and not is_random_uuid(key):
            await send_problem(
                send,
                400,
                "invalid_idempotency_key",
                "Invalid Idempotency-Key",
                "With a publishable key, Idempotency-Key must be a random version 4 UUID, as "
                "crypto.randomUUID() makes: all of a brand's shoppers share the publishable key.",
                path,
                errors=[FieldError("header.idempotency-key", "a random version 4 UUID with a publishable key")],
            )
            return
        handler = scope.get("route_handler")
        limit = (
            int(handler.opt.get(BODY_LIMIT_OPT, self.max_body_bytes)) if handler is not None else self.max_body_bytes
        )
        body = await self._read_body(receive, limit)
        if body is None:
            await send_problem(
                send,
                413,
                "body_too_large",
                "Request body too large",
                f"The body exceeds {limit} bytes.",
                path,
            )
            return
        method = scope["method"]
        request_hash = request_fingerprint(method, path, scope.get("query_string", b""), body, principal.kind)
        claimed = await self._claim(principal, key, method, path, request_hash)
        if isinstance(claimed, Claim):
            await self._run_and_store(scope, body, send, claimed, f"{method} {path}")
        else:
            await self._answer_existing(claimed, request_hash, send, path)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _claim(
        self, principal: Principal, key: str, method: str, path: str, request_hash: str
    ) -> Claim | IdempotencyRecord | None:
        """Claim the key, or take over a lapsed claim; else the record that answers this request.

        None: the record kept changing under us (others claiming and giving up); the caller
        answers "in progress", and the client's next retry looks again.
        """
        for _ in range(_ATTEMPTS):
            now = self.clock()
            record = await IdempotencyRecord.get_or_none(brand_id=principal.brand_id, key=key)
            if record is not None and record.created_at < now - RETENTION:
                await IdempotencyRecord.filter(id=record.id, created_at=record.created_at).delete()
                record = None
            if record is None:
                try:
                    created = await IdempotencyRecord.create(
                        brand_id=principal.brand_id,
                        key=key,
                        method=method,
                        path=path,
                        request_hash=request_hash,
                        created_at=now,
                    )
                except IntegrityError:  # a concurrent first request won: look at its record
                    continue
                return Claim(created.id, now)
            verdict = judge(
                stored_hash=record.request_hash,
                status_code=record.status_code,
                claimed_at=record.created_at,
                request_hash=request_hash,
                now=now,
                lease=self.lease,
            )
            if verdict != "lapsed":
                return record
            taken = await IdempotencyRecord.filter(
                id=record.id, status_code__isnull=True, created_at__lt=now - self.lease
            ).update(created_at=now)
            if taken:
                log.warning(
                    "idempotency claim on %s %s lapsed (claimed at %s, lease %d s): a retry takes it over",
                    method,
                    path,
                    record.created_at.isoformat(),
                    self.lease.total_seconds(),
                )
                return Claim(record.id, now)
            # Another retry took it over, or the first request finished or gave up meanwhile.
        return None

    async def _answer_existing(
        self, record: IdempotencyRecord | None, request_hash: str, send: Send, path: str
    ) -> None:
        if record is not None and record.request_hash != request_hash:
            await send_problem(
                send,
                409,
                "idempotency_key_reused",
                "Idempotency key reused",
                "This Idempotency-Key was used with a different request.",
                path,
            )
            return
        if record is None or record.status_code is None:
            lease = int(self.lease.total_seconds())
            await send_problem(
                send,
                409,
                "idempotency_in_progress",
                "Request in progress",
                "A request with this Idempotency-Key is still being processed; retry shortly. If it was "
                f"interrupted, a retry more than {lease} s after it began finishes its work.",
                path,
                headers=[(b"retry-after", b"1")],
            )
            return
        body = bytes(record.response_body or b"")
        headers = [
            (b"content-type", record.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]
        await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
        # more_body is optional in ASGI (default False); litestar's TypedDict requires it
        await send(cast("HTTPResponseBodyEvent", {"type": "http.response.body", "body": body}))

    async def _run_and_store(self, scope: Scope, body: bytes, send: Send, claim: Claim, route: str) -> None:
        replayed = False

        async def replay_receive() -> ReceiveMessage:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        status = 500
        content_type = ""
        no_store = False  # a response that must not be kept (a new API key's text) is never stored
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, content_type, no_store
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        content_type = v.decode("latin-1")
                    elif k.lower() == b"cache-control" and b"no-store" in v.lower():
                        no_store = True
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        # Only while the row still carries our claim time is it ours to answer or give up.
        ours = IdempotencyRecord.filter(id=claim.record_id, status_code__isnull=True, created_at=claim.claimed_at)
        try:
            await self.app(scope, replay_receive, capture_send)
        except BaseException:
            await ours.delete()
            raise
        if status >= 500 or no_store:
            await ours.delete()
        elif not await ours.update(status_code=status, content_type=content_type, response_body=b"".join(chunks)):
            log.warning(
                "a request on %s outlived its idempotency lease and was taken over; the retry's response is kept",
                route,
            )


__all__ = [
    "DEFAULT_LEASE",
    "KEY_PATTERN",
    "RETENTION",
    "Claim",
    "IdempotencyMiddleware",
    "is_random_uuid",
    "judge",
    "request_fingerprint",
]
