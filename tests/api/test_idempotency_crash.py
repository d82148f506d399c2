"""Kill -9 the server while a request holds its Idempotency-Key; restart; the retry finishes the work.

A real uvicorn process on the suite's database (a SQLite file, or PostgreSQL when the suite runs
on it). The slow path is real: the first run's Stripe is a socket that accepts connections and
never answers, so a checkout claims its key, writes its order and then waits on Stripe, where it
is killed. The restarted server points at localstripe; a retry with the same key and body answers
409 ``idempotency_in_progress`` until the dead request's lease lapses, then takes the claim over and
completes the checkout: one order, one hold, one payment intent. A second retry replays it.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from storefront.api.models import IdempotencyRecord
from storefront.clock import utcnow
from storefront.orders.models import Order
from storefront.settings import Settings
from tests.checkout.test_crash import Server
from tests.commerce import Shop, open_shop, pickup
from tests.conftest import MakeBrand, auth
from tests.stripe_server import STRIPE_TEST_KEY

LEASE = timedelta(seconds=10)


@contextmanager
def silent_stripe() -> Iterator[str]:
    """A loopback "Stripe" that completes TCP handshakes (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def sk_cart(client: httpx.AsyncClient, shop: Shop, quantity: int) -> str:
    key = auth(shop.brand.secret_key)
    made = await client.post("/v1/carts", json={}, headers=key)
    assert made.status_code == 201, made.text
    cart: str = made.json()["id"]
    line = {"sku": shop.sku, "quantity": quantity, "fulfilment": pickup()}
    added = await client.post(f"/v1/carts/{cart}/lines", json=line, headers=key)
    assert added.status_code == 201, added.text
    return cart


@pytest.fixture
def server(stripe_settings: Settings, tmp_path: Path) -> Iterator[Server]:
    """Not started: the test starts it twice, against two Stripes."""
    made = Server(stripe_settings, tmp_path)
    made.env["STALLKIT_IDEMPOTENCY_LEASE_S"] = str(int(LEASE.total_seconds()))
    yield made
    if made.process is not None and made.process.poll() is None:
        made.process.terminate()
        made.process.wait(timeout=10)


async def test_a_killed_request_is_finished_by_its_retry_exactly_once(
    shop_client: httpx.AsyncClient, make_brand: MakeBrand, server: Server, localstripe: Any
) -> None:
    shop = await open_shop(shop_client, make_brand)
    cart = await sk_cart(shop_client, shop, 2)
    key = str(uuid.uuid4())
    request: dict[str, Any] = {
        "url": f"/v1/carts/{cart}/checkout",
        "json": {"email": "ada@example.com", "name": "Ada"},
        "headers": auth(shop.brand.publishable_key, **{"Idempotency-Key": key}),
    }
    claim = IdempotencyRecord.filter(brand_id=shop.brand.brand.id, key=key)

    with silent_stripe() as stripe_base:
        server.env["STALLKIT_STRIPE_API_BASE"] = stripe_base
        server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            first = asyncio.create_task(http.post(**request))
            deadline = time.monotonic() + 20
            # Claimed, order written: the handler is now waiting on Stripe. Pull the plug.
            while not (
                await claim.filter(status_code__isnull=True).exists() and await Order.filter(cart_id=cart).exists()
            ):
                assert time.monotonic() < deadline, server.log.read_text(errors="replace")
                assert not first.done(), first.result().text
                await asyncio.sleep(0.02)
            killed_at = time.monotonic()
            server.kill()
            outcome = await asyncio.gather(first, return_exceptions=True)
        assert isinstance(outcome[0], httpx.TransportError), outcome
    left = await claim.get()
    assert left.status_code is None  # the claim outlived its process
    [placed] = await Order.filter(cart_id=cart)
    assert placed.payment_intent is None  # killed before Stripe answered

    server.env["STALLKIT_STRIPE_API_BASE"] = localstripe.api_base
    server.start()
    refused: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        # Few requests, not a busy loop: checkouts are rate limited per client.
        while (retry := await http.post(**request)).status_code == 409:
            assert retry.json()["code"] == "idempotency_in_progress", retry.text
            assert retry.headers["retry-after"] == "1"
            lapses_in = (left.created_at + LEASE - utcnow()).total_seconds()
            assert lapses_in > -1, "a lapsed claim was not taken over"
            refused.append(f"{lapses_in:.1f} s before the lease lapsed")
            await asyncio.sleep(max(lapses_in, 0) + 0.1)
        assert retry.status_code == 201, retry.text
        assert utcnow() >= left.created_at + LEASE  # taken over only once the lease had lapsed
        assert "idempotent-replayed" not in retry.headers
        again = await http.post(**request)
    print(f"finished {time.monotonic() - killed_at:.1f} s after the kill; refused meanwhile: {refused}")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.content == retry.content

    # The work happened exactly once: one order (the one placed before the kill), one hold, one intent.
    [order] = await Order.filter(cart_id=cart)
    answer = retry.json()
    assert answer["order"]["id"] == str(order.id) == str(placed.id)
    assert order.payment_intent is not None and answer["payment"]["intent_id"] == order.payment_intent
    movements = await shop_client.get(
        "/v1/stock/movements", params={"sku": shop.sku, "limit": 100}, headers=auth(shop.brand.secret_key)
    )
    holds = [m for m in movements.json()["data"] if m["kind"] == "reserve"]
    assert [m["reserved_delta"] for m in holds] == [2], movements.text
    async with httpx.AsyncClient(
        base_url=localstripe.api_base, headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"}
    ) as stripe:
        intent = (await stripe.get(f"/v1/payment_intents/{order.payment_intent}")).json()
    assert intent["metadata"]["order_id"] == str(order.id) and intent["amount"] == order.total_minor
    record = await claim.get()
    assert record.status_code == 201 and bytes(record.response_body or b"") == retry.content
    assert "a retry takes it over" in server.log.read_text(errors="replace")
