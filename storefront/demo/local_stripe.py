"""A local Stripe-compatible server (localstripe) for the offline demo, the tests and the benchmarks.

localstripe is GPL-3 and for testing only, so it is never a dependency of Stallkit: it lives in
its own virtualenv (``.venv-localstripe/``, made by ``stallkit demo`` or ``tests/run.sh``, see
:mod:`storefront.demo.provision`) and runs as a subprocess; nothing of it is imported. Each start
is from scratch on a free loopback port: the program below never loads, and never writes, the
state file localstripe otherwise shares through the temp folder (what its ``--from-scratch`` flag
does, plus no writes), so runs cannot see each other.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PYTHON = Path(".venv-localstripe") / "bin" / "python"
TEST_SECRET_KEY = "sk_test_stallkit_localstripe"  # noqa: S105 (localstripe takes any key; it opens nothing)

# Binding port 0 and printing the port avoids a race for a "free" port. The program ends itself
# when the process that started it is gone (its parent id, passed in, is no longer its parent):
# however that process ended, SIGKILL included, no test server is left running. A watching thread
# rather than Linux's PR_SET_PDEATHSIG, which fires when the *thread* that started the child ends
# (a fixture's worker thread, say) and exists on Linux only.
_SERVER_PROGRAM = """
import os
import socket
import sys
import threading
import time
from aiohttp import web
from localstripe import resources, server

parent = int(sys.argv[1])


def watch_parent():
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


threading.Thread(target=watch_parent, daemon=True).start()
resources.Store.dump_to_disk = lambda self: None
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
web.run_app(server.app, sock=sock, print=None, access_log=None)
"""


class LocalStripeError(RuntimeError):
    """localstripe is missing, would not start, or refused a configuration call."""


def installed(python: Path = DEFAULT_PYTHON) -> bool:
    venv = python.parents[1]
    return python.exists() and any(venv.glob("lib/python3*/site-packages/localstripe/server.py"))


@dataclass
class LocalStripe:
    """A running localstripe: point ``stripe_api_base`` at ``api_base``; webhooks are signed with ``webhook_secret``."""

    api_base: str
    webhook_secret: str
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def register_webhook(
        self, url: str, *, events: list[str] | None = None, secret: str | None = None, endpoint_id: str = "stallkit"
    ) -> None:
        """Have localstripe POST events to ``url`` (about a second after the call that caused them).

        Registering the same ``endpoint_id`` again replaces the endpoint; there is no removal.
        """
        fields: list[tuple[str, str]] = [("url", url), ("secret", secret or self.webhook_secret)]
        fields += [("events[]", event) for event in events or []]
        request = urllib.request.Request(  # noqa: S310 (a loopback http URL we built)
            f"{self.api_base}/_config/webhooks/{endpoint_id}",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            if response.status != 200:
                raise LocalStripeError(f"localstripe refused the webhook endpoint: HTTP {response.status}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(workdir: Path, python: Path = DEFAULT_PYTHON, *, timeout: float = 20) -> LocalStripe:
    """Start a fresh localstripe on a free loopback port, its log and any temp files in ``workdir``.

    ``python`` is made absolute but not resolved: a venv's interpreter is a symlink, and following
    it would leave the venv (and its packages) behind.
    """
    if not installed(python):
        raise LocalStripeError(
            f"localstripe is not installed at {python}: `stallkit demo` installs it on its first run, pinned"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "localstripe.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["TMPDIR"] = str(workdir)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter path and program)
            [str(python.absolute()), "-c", _SERVER_PROGRAM, str(os.getpid())],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
        )
    server = LocalStripe(
        api_base="", webhook_secret="whsec_" + secrets.token_hex(16), log_path=log_path, process=process
    )
    try:
        port = _read_port(process, timeout)
        _wait_for_port(port, process, time.monotonic() + timeout)
    except LocalStripeError as exc:
        server.stop()
        raise LocalStripeError(f"{exc}\n{server.log()}") from None
    server.api_base = f"http://127.0.0.1:{port}"
    return server


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> int:
    """The first line the launcher prints, read in a thread so a hung start cannot hang the caller."""
    stdout = process.stdout
    if stdout is None:
        raise LocalStripeError("no stdout to read the port from")
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not line or not line[0].strip().isdigit():
        raise LocalStripeError("localstripe did not report its port")
    return int(line[0])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalStripeError(f"localstripe exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise LocalStripeError(f"localstripe did not answer on port {port}")
