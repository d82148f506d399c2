"""A real storefront in its own uvicorn process, for tests that talk to it over the network.

The browser tests and the till's sync tests both need the storefront as it is deployed: seeded
with the demo brand, on the suite's database backend (a fresh SQLite file, or a fresh PostgreSQL
database when ``STALLKIT_TEST_DATABASE_URL`` is set), reachable on loopback. The sync tests also
need to stop it, kill it and start it again on the same database and port, mid-batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import _create_pg_database, _drop_pg_database

ROOT = Path(__file__).parents[1]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL built by this module
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to the end on a thread of its own.

    Fixtures here are synchronous, but sync Playwright (and pytest-asyncio's session loop) may
    already run a loop on this thread, where ``asyncio.run`` refuses to start.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class LiveStorefront:
    """The demo storefront served by uvicorn; :meth:`kill` and :meth:`start` keep its database and port."""

    def __init__(self, env: dict[str, str], port: int, keys: dict[str, str]) -> None:
        self.env = env
        self.port = port
        self.api = f"http://127.0.0.1:{port}"
        self.publishable_key = keys["publishable_key"]
        self.secret_key = keys["secret_key"]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "uvicorn", "storefront.asgi:app", "--host", "127.0.0.1", "--port", str(self.port)]
        self._process = subprocess.Popen([*argv, "--log-level", "warning"], env=self.env, cwd=ROOT)  # noqa: S603
        wait_for(f"{self.api}/healthz")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None

    def kill(self) -> None:
        """SIGKILL: whatever the storefront was doing is cut, its open transaction rolled back."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    def call(self, method: str, path: str, body: object = None, *, key: str | None = None, **headers: str) -> Any:
        """One JSON request with the secret key (or ``key``); the decoded answer, or HTTPError."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Authorization": f"Bearer {key or self.secret_key}", "Accept": "application/json", **headers}
        if data is not None:
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=sent)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            text = response.read()
        return json.loads(text) if text else None


@contextmanager
def live_storefront(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveStorefront]:
    """Seed the demo into a fresh database and serve it until the block ends."""
    env = {**os.environ, "STALLKIT_DATA_DIR": str(data_dir), "STALLKIT_SECRET": "e" * 48, **(extra_env or {})}
    env.pop("STALLKIT_DATABASE_URL", None)
    base = os.environ.get("STALLKIT_TEST_DATABASE_URL")
    pg_name = None
    if base:
        env["STALLKIT_DATABASE_URL"], pg_name = in_thread(_create_pg_database(base))
    subprocess.run(
        [sys.executable, "-m", "storefront.cli", "demo", "--no-serve"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    keys = json.loads((data_dir / "demo-keys.json").read_text())
    port = free_port()
    env["STALLKIT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # links in fragments point at this server
    storefront = LiveStorefront(env, port, keys)
    storefront.start()
    try:
        yield storefront
    finally:
        storefront.stop()
        if base and pg_name:
            in_thread(_drop_pg_database(base, pg_name))
