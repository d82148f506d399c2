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
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
import pytest

from storefront.settings import Secret, Settings

ROOT = Path(__file__).resolve().parents[1]
LOCALSTRIPE_PYTHON = ROOT / ".venv-localstripe" / "bin" / "python"
STRIPE_TEST_KEY = "sk_test_stallkit_localstripe"
WEBHOOK_ENDPOINT_ID = "stallkit-tests"

# Run inside the localstripe venv. Binding port 0 and printing the port avoids a race for a
# "free" port. Skipping Store.try_load_from_disk is what localstripe's --from-scratch does;
# replacing dump_to_disk also stops every write from re-pickling the whole store to the one
# fixed temp file all localstripe processes share.
_SERVER_PROGRAM = """
import socket
from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
web.run_app(server.app, sock=sock, print=None, access_log=None)
"""


def _require_localstripe() -> None:
    venv = LOCALSTRIPE_PYTHON.parents[1]
    if LOCALSTRIPE_PYTHON.exists() and any(venv.glob("lib/python3*/site-packages/localstripe/server.py")):
        return
    message = "localstripe is not installed in .venv-localstripe (bash tests/run.sh creates it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must not skip payment tests")
    pytest.skip(message)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"localstripe did not answer on port {port}")


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> int:
    """The first line localstripe's launcher prints, read in a thread so a hung start cannot hang the suite."""
    stdout = process.stdout
    assert stdout is not None
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip().isdigit():
        raise RuntimeError("localstripe did not report its port")
    return int(line[0])


@dataclass(frozen=True)
class LocalStripe:
    """A running localstripe: point ``stripe_api_base`` at ``api_base``; webhooks are signed with ``webhook_secret``."""

    api_base: str
    webhook_secret: str
    log_path: Path

    def register_webhook(
        self, url: str, *, events: list[str] | None = None, secret: str | None = None, endpoint_id: str | None = None
    ) -> None:
        """Have localstripe POST events to ``url`` (about a second after the call that caused them).

        localstripe has no way to remove an endpoint: registering the same ``endpoint_id``
        again replaces it. Every registered endpoint receives every event it subscribes to.
        """
        fields: list[tuple[str, str]] = [("url", url), ("secret", secret or self.webhook_secret)]
        fields += [("events[]", event) for event in events or []]
        request = urllib.request.Request(  # noqa: S310 (a loopback http URL we built)
            f"{self.api_base}/_config/webhooks/{endpoint_id or WEBHOOK_ENDPOINT_ID}",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            if response.status != 200:
                raise RuntimeError(f"localstripe refused the webhook endpoint: HTTP {response.status}")

    def log(self) -> str:
        """What the server wrote to stderr, for a failing test's message."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    _require_localstripe()
    workdir = tmp_path_factory.mktemp("localstripe")
    log_path = workdir / "localstripe.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["TMPDIR"] = str(workdir)  # anything it might still put in the temp folder stays private
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter path and program)
            [str(LOCALSTRIPE_PYTHON), "-c", _SERVER_PROGRAM],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
        )
    try:
        try:
            port = _read_port(process, timeout=20)
            _wait_for_port(port, process, time.monotonic() + 10)
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{log_path.read_text(errors='replace')}")
        yield LocalStripe(
            api_base=f"http://127.0.0.1:{port}",
            webhook_secret="whsec_" + secrets.token_hex(16),
            log_path=log_path,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


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
        localstripe.register_webhook(receiver.url)
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
