"""A claim on an ``Idempotency-Key`` is a lease: a claim left by a dead request lapses, one retry
takes it over and finishes the work, and a request that outlived its lease cannot overwrite the
answer of the retry that took over.

The app-level tests leave a claim behind as a killed process would (the row, with no response);
``test_idempotency_crash.py`` makes one by really killing a server. The middleware-level tests run
the real middleware on the real database in front of a small ASGI handler that can be held
mid-request, with a clock the test moves.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio

from storefront.api.idempotency import DEFAULT_LEASE, IdempotencyMiddleware, judge, request_fingerprint
from storefront.api.models import IdempotencyRecord
from storefront.app import create_app
from storefront.clock import FixedClock, utcnow
from storefront.settings import Settings
from storefront.tenancy import PRINCIPAL_STATE_KEY
from storefront.tenancy.schemas import CreatedBrand, Principal
from tests.api.test_idempotency import assert_problem_code, assert_replay_of, encode, handles, new_key, post_product
from tests.conftest import MakeBrand
from tests.factories import product_body

Client = httpx.AsyncClient
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored_hash", "status_code", "age", "verdict"),
    [
        ("h", 201, timedelta(seconds=1), "replay"),
        ("h", 201, timedelta(hours=2), "replay"),  # finished work is never redone, lease or not
        ("h", 422, timedelta(seconds=1), "replay"),
        ("h", None, timedelta(seconds=0), "in_progress"),
        ("h", None, DEFAULT_LEASE, "in_progress"),  # lapses strictly after the lease
        ("h", None, DEFAULT_LEASE + timedelta(microseconds=1), "lapsed"),
        ("other", None, timedelta(hours=2), "reused"),  # a lapsed key still belongs to its request
        ("other", 201, timedelta(seconds=1), "reused"),
    ],
)
def test_judge(stored_hash: str, status_code: int | None, age: timedelta, verdict: str) -> None:
    got = judge(
        stored_hash=stored_hash,
        status_code=status_code,
        claimed_at=T0 - age,
        request_hash="h",
        now=T0,
        lease=DEFAULT_LEASE,
    )
    assert got == verdict


def test_the_fingerprint_tells_key_kinds_apart() -> None:
    parts = ("POST", "/v1/carts", b"", b'{"currency":"GBP"}')
    assert request_fingerprint(*parts, "secret") != request_fingerprint(*parts, "publishable")
    assert request_fingerprint(*parts, "secret") == request_fingerprint(*parts, "secret")
    # length-prefixed: moving bytes between parts changes the fingerprint
    assert request_fingerprint("POST", "/v1/a", b"b", b"", "secret") != request_fingerprint(
        "POST", "/v1/ab", b"", b"", "secret"
    )


# --- through the app: a claim left by a killed request ---------------------------------------------


async def leave_claim(brand: CreatedBrand, key: str, raw: bytes, claimed_at: datetime) -> None:
    """The row a process killed mid-request leaves: claimed, no response."""
    await IdempotencyRecord.create(
        brand_id=brand.brand.id,
        key=key,
        method="POST",
        path="/v1/products",
        request_hash=request_fingerprint("POST", "/v1/products", b"", raw, "secret"),
        created_at=claimed_at,
    )


async def test_a_claim_within_its_lease_is_in_progress(client: Client, brand: CreatedBrand) -> None:
    key, raw = new_key(), encode(product_body(title="Waiting Tote"))
    await leave_claim(brand, key, raw, utcnow() - DEFAULT_LEASE + timedelta(seconds=30))
    held = await post_product(client, brand, raw, key)
    problem = assert_problem_code(held, 409, "idempotency_in_progress")
    assert held.headers["retry-after"] == "1"
    assert f"{int(DEFAULT_LEASE.total_seconds())} s" in problem["detail"]
    assert await handles(client, brand) == []


async def test_a_lapsed_claim_is_taken_over_and_the_work_done_once(
    client: Client, brand: CreatedBrand, caplog: pytest.LogCaptureFixture
) -> None:
    key, raw = new_key(), encode(product_body(title="Orphan Tote"))
    await leave_claim(brand, key, raw, utcnow() - DEFAULT_LEASE - timedelta(seconds=1))
    with caplog.at_level("WARNING", logger="stallkit.api"):
        first = await post_product(client, brand, raw, key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert [r.getMessage() for r in caplog.records if "takes it over" in r.getMessage()]
    record = await IdempotencyRecord.get(brand_id=brand.brand.id, key=key)
    assert record.status_code == 201
    assert record.created_at > utcnow() - timedelta(minutes=1)  # the claim moved on with the takeover
    for _ in range(2):
        assert_replay_of(await post_product(client, brand, raw, key), first)
    assert await handles(client, brand) == ["orphan-tote"]


async def test_a_lapsed_claim_is_not_taken_over_by_another_request(client: Client, brand: CreatedBrand) -> None:
    key = new_key()
    await leave_claim(brand, key, encode(product_body(title="Half Done Tote")), utcnow() - timedelta(hours=1))
    other = await post_product(client, brand, encode(product_body(title="Sneaky Tote")), key)
    assert_problem_code(other, 409, "idempotency_key_reused")
    assert await handles(client, brand) == []


# --- the middleware with a handler the test can hold ----------------------------------------------


@dataclass
class Handler:
    """An ASGI endpoint that answers ``{"run": n}``; the runs listed in ``hold`` wait for ``release``."""

    hold: set[int] = field(default_factory=set)
    outcome: dict[int, str] = field(default_factory=dict)  # run -> "ok" (201), "5xx" or "raise"
    runs: int = 0
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await receive()
        self.runs += 1
        run = self.runs
        self.entered.set()
        if run in self.hold:
            await self.release.wait()
        outcome = self.outcome.get(run, "ok")
        if outcome == "raise":
            raise RuntimeError(f"run {run} failed")
        body = json.dumps({"run": run}).encode()
        status = 201 if outcome == "ok" else 503
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": body})


@dataclass
class Stack:
    handler: Handler
    clock: FixedClock
    brand_id: uuid.UUID
    http: httpx.AsyncClient
    lease: timedelta

    async def post(self, key: str, body: bytes = b'{"a":1}') -> httpx.Response:
        return await self.http.post("/v1/things", content=body, headers={"Idempotency-Key": key})

    async def record(self, key: str) -> IdempotencyRecord:
        return await IdempotencyRecord.get(brand_id=self.brand_id, key=key)


@pytest_asyncio.fixture
async def stack(database: Settings) -> AsyncIterator[Stack]:
    handler = Handler()
    clock = FixedClock(utcnow())
    lease = timedelta(seconds=30)
    middleware = IdempotencyMiddleware(handler, max_body_bytes=1024, lease=lease, clock=clock)
    principal = Principal(brand_id=uuid.uuid4(), kind="secret", catalog_version=0, allowed_origins=())

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope["state"] = {PRINCIPAL_STATE_KEY: principal}
        await middleware(scope, receive, send)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Stack(handler, clock, principal.brand_id, http, lease)


@pytest.mark.parametrize("late_outcome", ["ok", "5xx", "raise"])
async def test_a_request_that_outlived_its_lease_cannot_overwrite_the_takeover(stack: Stack, late_outcome: str) -> None:
    key = new_key()
    stack.handler.hold = {1}
    stack.handler.outcome = {1: late_outcome}
    slow = asyncio.create_task(stack.post(key))
    await stack.handler.entered.wait()
    assert_problem_code(await stack.post(key), 409, "idempotency_in_progress")

    stack.clock.advance(stack.lease + timedelta(seconds=1))
    takeover = await stack.post(key)
    assert (takeover.status_code, takeover.json()) == (201, {"run": 2})

    stack.handler.release.set()
    late = await slow
    if late_outcome == "ok":  # its own client still gets the answer it worked out
        assert (late.status_code, late.json()) == (201, {"run": 1})
    else:
        assert late.status_code in (500, 503)
    record = await stack.record(key)
    assert (record.status_code, bytes(record.response_body or b"")) == (201, takeover.content)
    replay = await stack.post(key)
    assert replay.content == takeover.content and replay.headers["idempotent-replayed"] == "true"
    assert stack.handler.runs == 2


async def test_two_retries_cannot_both_take_over(stack: Stack) -> None:
    key = new_key()
    await IdempotencyRecord.create(  # as a kill -9 leaves it
        brand_id=stack.brand_id,
        key=key,
        method="POST",
        path="/v1/things",
        request_hash=request_fingerprint("POST", "/v1/things", b"", b'{"a":1}', "secret"),
        created_at=stack.clock(),
    )
    stack.clock.advance(stack.lease + timedelta(seconds=1))
    stack.handler.hold = {1, 2}
    retries = [asyncio.create_task(stack.post(key)) for _ in range(4)]
    await stack.handler.entered.wait()
    for _ in range(20):  # the losers answer at once; give them every chance to reach the handler too
        await asyncio.sleep(0.01)
    stack.handler.release.set()
    answers = await asyncio.gather(*retries)
    assert stack.handler.runs == 1
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] == "idempotency_in_progress"
    assert (await stack.record(key)).status_code == 201


async def test_a_finished_request_is_never_run_again_however_old(stack: Stack) -> None:
    key = new_key()
    first = await stack.post(key)
    assert first.status_code == 201
    stack.clock.advance(timedelta(hours=23))
    replay = await stack.post(key)
    assert replay.content == first.content and replay.headers["idempotent-replayed"] == "true"
    assert stack.handler.runs == 1


async def test_the_app_takes_its_lease_from_the_settings(database: Settings, make_brand: MakeBrand) -> None:
    """``STALLKIT_IDEMPOTENCY_LEASE_S`` reaches the middleware the app builds: with a 1 s lease a
    claim left 2 s ago is taken over, where the default lease would still hold it."""
    assert Settings.from_env({"STALLKIT_IDEMPOTENCY_LEASE_S": "45"}).idempotency_lease_s == 45
    assert Settings(database_url="sqlite://x").idempotency_lease_s == DEFAULT_LEASE.total_seconds()
    app = create_app(msgspec.structs.replace(database, idempotency_lease_s=1), manage_database=False)
    brand = await make_brand()
    key, raw = new_key(), encode(product_body(title="Quick Lease Tote"))
    await leave_claim(brand, key, raw, utcnow() - timedelta(seconds=2))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        taken = await post_product(http, brand, raw, key)
        assert taken.status_code == 201, taken.text
        assert await handles(http, brand) == ["quick-lease-tote"]
