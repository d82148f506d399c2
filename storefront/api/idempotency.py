"""``Idempotency-Key`` for every mutating request, as ASGI middleware.

The first request with a key claims it (a row with a unique (brand, key) constraint, written
before the handler runs), then stores the response it produced. A retry with the same key
and the same request gets that response back byte for byte, marked ``Idempotent-Replayed``;
the same key with a different request is a 409; a retry while the first still runs is a 409
too (never a second execution). Responses of 5xx are not stored, so a retry can succeed.
Keys are scoped to the brand and kept for 24 hours.

A publishable key is shared by every shopper of the brand, so its idempotency keys are too:
a shopper reusing another's key ("cart-1") would be handed that shopper's cart. With a
publishable key the Idempotency-Key must therefore be a random UUID (``crypto.randomUUID()``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta
from typing import cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Message, Receive, ReceiveMessage, Scope, Send
from tortoise.exceptions import IntegrityError

from storefront.api.asgi import send_problem
from storefront.api.models import IdempotencyRecord
from storefront.clock import utcnow
from storefront.errors import FieldError
from storefront.tenancy import PRINCIPAL_STATE_KEY, Principal

KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
RETENTION = timedelta(hours=24)
_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _is_uuid(key: str) -> bool:
    try:
        return uuid.UUID(key).int != 0
    except ValueError:
        return False


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
        if not KEY_PATTERN.match(key):
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
        if principal.kind == "publishable" and not _is_uuid(key):
            await send_problem(
                send,
                400,
                "invalid_idempotency_key",
                "Invalid Idempotency-Key",
                "With a publishable key, Idempotency-Key must be a random UUID: all of a brand's shoppers share it.",
                path,
                errors=[FieldError("header.idempotency-key", "a random UUID with a publishable key")],
            )
            return
        body = await self._read_body(receive)
        if body is None:
            await send_problem(
                send,
                413,
                "body_too_large",
                "Request body too large",
                f"The body exceeds {self.max_body_bytes} bytes.",
                path,
            )
            return
        digest = hashlib.sha256()
        for part in (scope["method"].encode(), path.encode(), scope.get("query_string", b""), body):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        request_hash = digest.hexdigest()

        record = await self._claim(principal, key, scope["method"], path, request_hash)
        if record is not None:
            await self._answer_existing(record, request_hash, send, path)
            return
        await self._run_and_store(scope, body, send, principal, key)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _claim(
        self, principal: Principal, key: str, method: str, path: str, request_hash: str
    ) -> IdempotencyRecord | None:
        """Claim the key; if someone already did, return their record instead."""
        existing = await IdempotencyRecord.get_or_none(brand_id=principal.brand_id, key=key)
        if existing is not None and existing.created_at < utcnow() - RETENTION:
            await existing.delete()
            existing = None
        if existing is not None:
            return existing
        try:
            await IdempotencyRecord.create(
                brand_id=principal.brand_id, key=key, method=method, path=path, request_hash=request_hash
            )
        except IntegrityError:  # lost a race with a concurrent first request
            return await IdempotencyRecord.get(brand_id=principal.brand_id, key=key)
        return None

    async def _answer_existing(self, record: IdempotencyRecord, request_hash: str, send: Send, path: str) -> None:
        if record.request_hash != request_hash:
            await send_problem(
                send,
                409,
                "idempotency_key_reused",
                "Idempotency key reused",
                "This Idempotency-Key was used with a different request.",
                path,
            )
            return
        if record.status_code is None:
            await send_problem(
                send,
                409,
                "idempotency_in_progress",
                "Request in progress",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                path,
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

    async def _run_and_store(self, scope: Scope, body: bytes, send: Send, principal: Principal, key: str) -> None:
        replayed = False

        async def replay_receive() -> ReceiveMessage:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        status = 500
        content_type = ""
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    if k.lower() == b"content-type":
                        content_type = v.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        query = IdempotencyRecord.filter(brand_id=principal.brand_id, key=key)
        try:
            await self.app(scope, replay_receive, capture_send)
        except BaseException:
            await query.delete()
            raise
        if status >= 500:
            await query.delete()
        else:
            await query.update(status_code=status, content_type=content_type, response_body=b"".join(chunks))
