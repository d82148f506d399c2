"""``stallkit popup open``, as an operator runs it: a real process, its exit status and its one line on stderr."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from popup.cli import build_parser
from tests.popup.till_fixtures import KEY, PIN, make_pack

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("STALLKIT_PACK_KEY", "STALLKIT_TILL_PIN")}
    return {**base, **extra}


def popup(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "storefront.cli", "popup", *args],
        cwd=ROOT,
        env=env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_pack(path: Path, body: bytes | None = None) -> Path:
    path.write_bytes(body if body is not None else make_pack(now=NOW))
    return path


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 20.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise AssertionError(f"the till exited {process.returncode}: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL built here
                return time.monotonic() - started
        except urllib.error.HTTPError as answered:  # answered at all: the till is up
            answered.close()
            return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def call(port: int, path: str, body: object, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
    """POST JSON to the till on ``port``: the status, the decoded answer and its headers."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
        return answer.status, json.loads(answer.read()), answer.headers


def unlock(port: int) -> tuple[str, str]:
    """The CSRF token and the session cookie of a fresh staff session."""
    _, body, headers = call(port, "/unlock", {"pin": PIN, "staff": "Ada"})
    return body["csrf_token"], headers["Set-Cookie"].split(";")[0]


@dataclass
class Served:
    """A till process; ``out`` and ``err`` are what it printed, once it has stopped."""

    process: subprocess.Popen[str]
    port: int
    out: str = ""
    err: str = ""


@contextmanager
def serving(*args: str, **extra: str) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "storefront.cli", "popup", "open", *args, "--port", str(port)],
        cwd=ROOT,
        env=env(**extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(process=process, port=port)
    try:
        wait_for(f"http://127.0.0.1:{port}/static/till.css", process)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        served.out, served.err = process.communicate(timeout=30)


def test_a_tampered_pack_is_refused_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    body = msgspec.json.decode(make_pack(now=NOW))
    body["products"][0]["price"] = 1
    pack = write_pack(tmp_path / "pack.json", msgspec.json.encode(body))
    refused = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", KEY, "--pin", PIN)
    assert refused.returncode == 2
    assert refused.stderr == (
        "stallkit popup: the pack's signature does not match: it was changed, or is for another device\n"
    )
    assert not (tmp_path / "till" / "pack.json").exists()


def test_an_expired_pack_is_refused(tmp_path: Path) -> None:
    old = NOW - timedelta(days=10)
    pack = write_pack(tmp_path / "pack.json", make_pack(now=old, ends_at=old + timedelta(hours=8)))
    refused = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", KEY, "--pin", PIN)
    assert refused.returncode == 2
    assert refused.stderr.startswith("stallkit popup: this pack expired at ")
    assert "Traceback" not in refused.stderr


def test_a_pack_under_another_key_is_refused(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack.json")
    refused = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", "cd" * 32, "--pin", PIN)
    assert refused.returncode == 2 and "signature does not match" in refused.stderr
    not_hex = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", "zz", "--pin", PIN)
    assert not_hex.returncode == 2 and "not hex" in not_hex.stderr


def test_not_a_pack_and_no_pack_are_one_line_refusals(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("hello")
    assert "not an event pack" in popup("open", str(junk), "--data", str(tmp_path / "t"), "--key", KEY).stderr
    missing = popup("open", str(tmp_path / "nope.json"), "--data", str(tmp_path / "t"), "--key", KEY)
    assert (missing.returncode, missing.stderr) == (2, f"stallkit popup: no such pack file: {tmp_path / 'nope.json'}\n")
    first = popup("open", "--data", str(tmp_path / "empty"), "--key", KEY)
    assert first.returncode == 2 and "no event pack in" in first.stderr


def test_the_first_open_needs_the_key_and_a_pin(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack.json")
    no_key = popup("open", str(pack), "--data", str(tmp_path / "till"), "--pin", PIN)
    assert no_key.returncode == 2 and "--key or STALLKIT_PACK_KEY" in no_key.stderr
    no_pin = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", KEY)
    assert no_pin.returncode == 2 and "set the staff PIN" in no_pin.stderr
    short = popup("open", str(pack), "--data", str(tmp_path / "till"), "--key", KEY, "--pin", "12")
    assert short.returncode == 2 and "4 to 12 digits" in short.stderr


def test_the_host_is_loopback_unless_asked() -> None:
    assert build_parser().parse_args(["open"]).host == "127.0.0.1"
    assert build_parser().parse_args(["open"]).port == 8100


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port``, from the kernel's table (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_open_serves_on_loopback_keeps_the_key_and_a_restart_needs_only_open(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack.json")
    data = tmp_path / "till"
    with serving(str(pack), "--data", str(data), STALLKIT_PACK_KEY=KEY, STALLKIT_TILL_PIN=PIN) as served:
        port = served.port
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        # One till process per data directory.
        second = popup("open", "--data", str(data), "--port", str(free_port()))
        assert second.returncode == 2
        assert second.stderr.startswith(
            f"stallkit popup: the till data directory {data.resolve()} is already open by pid"
        )
        assert call(port, "/unlock", {"pin": PIN, "staff": "Ada"})[1]["staff"] == "Ada"
        # A page whose own domain was rebound to 127.0.0.1 names that domain in Host: not answered.
        rebound = urllib.request.Request(f"http://127.0.0.1:{port}/unlock", headers={"Host": f"evil.example:{port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=5)  # noqa: S310 - loopback
        assert refused.value.code == 400
        refused.value.close()
    assert served.process.returncode == 0  # SIGTERM closes the till cleanly
    out = served.out
    assert "till open for Columbia Road Christmas market" in out and f"http://localhost:{port}" in out
    assert (data / "pack.key").stat().st_mode & 0o777 == 0o600
    assert (data / "pack.key").read_text() == KEY
    # A restart: no pack path, no key, no PIN.
    with serving("--data", str(data)) as again:
        page = urllib.request.urlopen(f"http://127.0.0.1:{again.port}/unlock", timeout=5)
        with page:
            assert b"Unlock the till" in page.read()


def test_all_interfaces_is_an_explicit_opt_in_with_a_warning(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack.json")
    everywhere = "0.0.0.0"  # noqa: S104 - the opt-in under test
    with serving(
        str(pack), "--data", str(tmp_path / "till"), "--host", everywhere, "--key", KEY, "--pin", PIN
    ) as served:
        pass
    assert "warning: the till listens on 0.0.0.0" in served.err


def test_a_pack_for_another_event_is_refused_while_sales_are_unsynced(tmp_path: Path) -> None:
    data = tmp_path / "till"
    first = write_pack(tmp_path / "first.json")
    with serving(str(first), "--data", str(data), "--key", KEY, "--pin", PIN) as served:
        port = served.port
        token, cookie = unlock(port)
        sale = {"lines": [{"sku": "MH-PIP-OXB"}], "tenders": [{"kind": "cash", "amount": 4500}]}
        assert call(port, "/sales", sale, {"X-CSRF-Token": token, "Cookie": cookie})[0] == 201
    other = write_pack(tmp_path / "other.json", make_pack(now=NOW, event=uuid.uuid4(), event_name="Spring fair"))
    refused = popup("open", str(other), "--data", str(data))
    assert refused.returncode == 2
    assert "1 entry in" in refused.stderr and "neither synced nor exported" in refused.stderr
    # The pack in use is still the first one.
    with serving("--data", str(data)) as kept:
        pass
    assert "Columbia Road Christmas market" in kept.out


@pytest.mark.parametrize("port", ["0x10", "-1"])
def test_a_bad_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    assert popup("open", "--data", str(tmp_path), "--port", port).returncode == 2


def test_a_port_in_use_is_a_one_line_refusal(tmp_path: Path) -> None:
    pack = write_pack(tmp_path / "pack.json")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        refused = popup(
            "open", str(pack), "--data", str(tmp_path / "till"), "--key", KEY, "--pin", PIN, "--port", str(port)
        )
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"stallkit popup: cannot listen on 127.0.0.1:{port}")
