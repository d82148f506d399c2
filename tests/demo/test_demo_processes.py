"""``stallkit demo`` leaves no localstripe behind, however it is stopped.

The real command in a subprocess, with its own data directory and SQLite file (the behaviour under
test is the processes', whatever the suite's database): wait until it serves, find its localstripe
child, stop the demo, and the child must be gone within seconds. SIGTERM is a clean shutdown that
stops the child; SIGKILL gives the demo no chance, and the child notices its parent is gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.stripe_server import LOCALSTRIPE_PYTHON, _require_localstripe

ROOT = Path(__file__).resolve().parents[2]
PROC = Path("/proc")


def children(pid: int) -> list[int]:
    kids = PROC / str(pid) / "task" / str(pid) / "children"
    return [int(child) for child in kids.read_text().split()] if kids.exists() else []


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's new parent may be slow to reap it, or never do so)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


class Demo:
    """``stallkit demo`` in a subprocess, with its own data dir, ports and log; ``env`` adds to its environment.

    Unless ``env`` says otherwise, localstripe comes from the project's ``.venv-localstripe``
    (the one ``tests/run.sh`` made), so only the tests about provisioning pay for an install.
    """

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, name: str = "demo") -> None:
        self.port = free_port()
        self.site_port = free_port()
        self.log = workdir / f"{name}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("STALLKIT_")}
        environ |= {
            "STALLKIT_DATA_DIR": str(workdir / "data"),
            "STALLKIT_PORT": str(self.port),
            "STALLKIT_DEMO_SITE_PORT": str(self.site_port),
            "STALLKIT_RECONCILE_INTERVAL_S": "0",
            "STALLKIT_HOUSEKEEPING_INTERVAL_S": "0",
            "STALLKIT_LOCALSTRIPE_VENV": str(LOCALSTRIPE_PYTHON.parents[1]),
            **(env or {}),
        }
        self.base = f"http://127.0.0.1:{self.port}"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "storefront.cli", "demo"], env=environ, cwd=ROOT, stdout=log, stderr=log
            )

    def stop(self) -> int:
        """SIGTERM, as a terminal's Ctrl+C or a service manager would: the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def wait_until_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the demo exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the demo did not serve within {timeout} s:\n{self.output()}")

    def localstripe(self) -> int:
        found = [pid for pid in children(self.process.pid) if "localstripe" in command_line(pid)]
        assert len(found) == 1, (children(self.process.pid), self.output())
        return found[0]

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    _require_localstripe()
    if not (PROC / "self" / "task").exists():
        pytest.skip("finding child processes reads /proc (Linux)")
    started = Demo(tmp_path)
    try:
        yield started
    finally:
        started.kill()


def wait_gone(pid: int, timeout: float = 5) -> float:
    """Seconds until ``pid`` stopped running; fails the test after ``timeout``."""
    start = time.monotonic()
    while running(pid):
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)  # don't leave it behind for the rest of the suite
            pytest.fail(f"localstripe (pid {pid}) still runs {timeout} s after the demo stopped")
        time.sleep(0.05)
    return time.monotonic() - start


def test_sigterm_stops_the_demo_and_its_localstripe(demo: Demo) -> None:
    demo.wait_until_serving()
    child = demo.localstripe()
    assert "payments: local test server at" in demo.output()
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(timeout=20) == 128 + signal.SIGTERM, demo.output()
    wait_gone(child)
    assert "Traceback" not in demo.output()


def test_a_killed_demo_leaves_no_localstripe(demo: Demo) -> None:
    demo.wait_until_serving()
    child = demo.localstripe()
    demo.process.send_signal(signal.SIGKILL)
    demo.process.wait(timeout=10)
    seconds = wait_gone(child)
    print(f"localstripe ended {seconds:.2f} s after its parent was killed")
