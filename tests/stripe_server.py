"""A Stripe-compatible test server (localstripe) and a webhook receiver, as pytest fixtures.

localstripe is GPL-3 and test-only, so it lives in its own virtualenv, ``.venv-localstripe/``
(``tests/run.sh`` makes it), and runs as a subprocess; nothing of it is imported here. Each
session starts a fresh server on a free loopback port: it never loads and never writes the
state file that localstripe otherwise shares through the temp folder, so runs can neither see
each other's objects nor leave any behind.

Fixtures:

- ``localstripe``: the server (``.api_base``, ``.webhook_secret``, ``.register_webhook()``).
  Without ``.venv-localstripe`` the tests that use it skip, or fail when ``CI=true``.
- ``stripe_webhooks``: a receiver that localstripe delivers every event to; tests
  ``await stripe_webhooks.wait_for("payment_intent.succeeded", intent_id)`` and replay the
  delivery (body and signature exactly as sent) through the app.
- ``stripe_settings``: the suite's ``settings`` pointed at the server, with test keys.
- ``shop_app`` / ``shop_client``: the app built with those settings, and an in-process client.

Helpers for the events localstripe never sends (refunds, charges): :func:`event_body` and
:func:`sign_webhook`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.demo import local_stripe
from storefront.demo.local_stripe import LocalStripe
from storefront.settings import Secret, Settings

ROOT = Path(__file__).resolve().parents[1]
LOCALSTRIPE_PYTHON = ROOT / local_stripe.DEFAULT_PYTHON
STRIPE_TEST_KEY = local_stripe.TEST_SECRET_KEY
WEBHOOK_ENDPOINT_ID = "stallkit-tests"


def _require_localstripe() -> None:
    if local_stripe.installed(LOCALSTRIPE_PYTHON):
        return
    message = "localstripe is not installed in .venv-localstripe (bash tests/run.sh creates it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must not skip payment tests")
    pytest.skip(message)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """A fresh localstripe for the session (see :mod:`storefront.demo.local_stripe`)."""
    _require_localstripe()
    try:
        server = local_stripe.start(tmp_path_factory.mktemp("localstripe"), LOCALSTRIPE_PYTHON)
    except local_stripe.LocalStripeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


# --- webhooks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One webhook POST exactly as received: replay ``body`` with ``headers()`` through the app."""

    body: bytes
    signature: str | None
    event_id: str
    type: str
    object_id: str
    received_at: float

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.signature is not None:
            headers["Stripe-Signature"] = self.signature
        return headers

    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


@dataclass
class WebhookReceiver:
    """Records every delivery. Session-wide: tests tell theirs apart by object id (ids are unique)."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, body: bytes, signature: str | None) -> None:
        try:
            event = json.loads(body)
            obj = event["data"]["object"]
            meta = (str(event["id"]), str(event["type"]), str(obj.get("id", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            meta = ("", "", "")
        with self._lock:
            self.deliveries.append(Delivery(body, signature, *meta, received_at=time.monotonic()))

    def received(self, type: str | None = None, object_id: str | None = None) -> list[Delivery]:
        with self._lock:
            return [
                d
                for d in self.deliveries
                if (type is None or d.type == type) and (object_id is None or d.object_id == object_id)
            ]

    async def wait_for(self, type: str, object_id: str, timeout: float = 10) -> Delivery:  # noqa: ASYNC109 (reported in the failure)
        """The first delivery of event ``type`` about ``object_id``; fails the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(type, object_id)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                seen = [(d.type, d.object_id) for d in self.received(object_id=object_id)]
                pytest.fail(f"no {type} webhook for {object_id} within {timeout}s (got {seen or 'nothing'} for it)")
            await asyncio.sleep(0.05)


class _Handler(BaseHTTPRequestHandler):
    receiver: WebhookReceiver

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.receiver.record(body, self.headers.get("Stripe-Signature"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def stripe_webhooks(localstripe: LocalStripe) -> Iterator[WebhookReceiver]:
    """A loopback receiver registered with localstripe for every event type."""
    receiver = WebhookReceiver()
    handler = type("Handler", (_Handler,), {"receiver": receiver})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="stripe-webhooks", daemon=True
    )
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/stripe"
    try:
        localstripe.register_webhook(receiver.url, endpoint_id=WEBHOOK_ENDPOINT_ID)
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def stripe_settings(settings: Settings, localstripe: LocalStripe) -> Settings:
    """The suite's settings (same database) with payments on, against localstripe."""
    return msgspec.structs.replace(
        settings,
        stripe_secret_key=Secret(STRIPE_TEST_KEY),
        stripe_publishable_key="pk_test_stallkit_localstripe",
        stripe_api_base=localstripe.api_base,
        stripe_webhook_secret=Secret(localstripe.webhook_secret),
    )


# --- hand-made events ---------------------------------------------------------------------------


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, as Stripe makes it: ``t=<unix>,v1=<hex HMAC-SHA256>``.

    The HMAC (keyed with the endpoint secret) covers ``b"<t>." + payload``, so any change to the
    body or the time breaks it; pass an old ``timestamp`` to test the replay window.
    """
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_body(type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None) -> bytes:
    """A Stripe event's JSON body wrapping ``obj`` (for events localstripe never sends, e.g. ``charge.refunded``)."""
    event = {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": type,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


# --- the app with payments on -------------------------------------------------------------------


@pytest_asyncio.fixture(scope="session")
async def shop_app(database: Settings, stripe_settings: Settings) -> AsyncIterator[Litestar]:
    app = create_app(stripe_settings, plugins=[ComponentsPlugin()], manage_database=False)
    yield app
    await app.state["payments"].close()


@pytest_asyncio.fixture
async def shop_client(shop_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=shop_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
