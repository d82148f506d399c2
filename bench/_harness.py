"""Reusable pieces for Stallkit's HTTP benchmarks.

Every benchmark has the same shape: start the app under test in its own server process on a
free loopback port, check that it answers correctly, drive it with ``wrk`` (a separate
load-generating process, so the client never shares an interpreter or event loop with the
server), repeat for a few rounds and keep the median of each figure, then print a table and
keep the figures as JSON under ``bench/results/`` (gitignored) so runs can be compared.

Only the standard library is used here, so a benchmark runs wherever the app runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"  # benchmarks never listen beyond loopback

ServerKind = Literal["uvicorn", "granian"]

# wrk prints latencies with a unit suffix; everything here is reported in milliseconds.
_UNIT_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS_COUNT = re.compile(r"^status (\d{3}): (\d+)$", re.MULTILINE)

# wrk only counts statuses >= 400 as errors, so a run that must answer, say, 304 counts every
# status itself: each thread tallies its responses, and ``done`` prints the totals.
STATUS_COUNTING_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\\n", status, n)) end
end
"""


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    """A port the OS says is free on loopback.

    The socket is closed before the server binds, so another process could grab the port in
    between; on a benchmark machine that race is rare, and the server then fails loudly.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(app: str, port: int, kind: ServerKind = "uvicorn") -> list[str]:
    """The command line for one single-worker server process, quiet so logging costs nothing."""
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", app,
            "--host", HOST, "--port", str(port), "--workers", "1",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "granian", app, "--interface", "asgi",
        "--host", HOST, "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


# A benchmark is one client sending thousands of requests: the limits that stop one stranger from
# doing that (rate limits, the cap on unpaid checkouts per shopper) would measure themselves.
ONE_CLIENT = {
    **{f"STALLKIT_RATE_LIMIT_{name}": "" for name in ("BAD_KEYS", "CARTS", "CARTS_PER_KEY", "CHECKOUTS")},
    **{f"STALLKIT_RATE_LIMIT_{name}": "" for name in ("CHECKOUTS_PER_KEY", "BEACONS", "BEACONS_PER_KEY")},
    "STALLKIT_UNPAID_CHECKOUTS_PER_SHOPPER": "1000",
}


def start_server(
    app: str, port: int, *, env: Mapping[str, str] | None = None, kind: ServerKind = "uvicorn", log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """Start the server in its own process; ``env`` is added to this process's environment.

    It runs from the repository root so import strings like ``bench.bare_app:app`` resolve, with
    :data:`ONE_CLIENT` limits lifted.
    """
    return subprocess.Popen(
        server_command(app, port, kind),
        cwd=ROOT,
        env={**os.environ, **ONE_CLIENT, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float = 30.0) -> None:
    """Poll ``url`` until the server answers with any HTTP status (a 401 still means it is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before answering")
        try:
            request("GET", url, timeout_s=1.0)
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server did not answer {url} within {timeout_s:.0f}s")


def stop_server(proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """Ask the server to shut down (SIGTERM runs its lifespan shutdown), then insist."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout_s)


@contextmanager
def serving(
    app: str,
    *,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/",
    kind: ServerKind = "uvicorn",
    timeout_s: float = 30.0,
) -> Iterator[str]:
    """Run ``app`` for the duration of the ``with`` block and yield its base URL.

    The server is always stopped on the way out, whatever happened inside the block; if it
    never became ready, its output is attached to the error so start-up failures are visible.
    """
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        proc = start_server(app, port, env=env, kind=kind, log=log)
        try:
            try:
                wait_until_ready(proc, base_url + ready_path, timeout_s)
            except (RuntimeError, TimeoutError) as exc:
                log.seek(0)
                output = log.read().decode(errors="replace")[-4000:]
                raise RuntimeError(f"{app}: {exc}\n--- server output ---\n{output}") from None
            yield base_url
        finally:
            stop_server(proc)


# --- plain HTTP for correctness checks --------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    method: str, url: str, *, headers: Mapping[str, str] | None = None, json_body: Any = None, timeout_s: float = 10.0
) -> Reply:
    """One plain-HTTP request to a loopback server; any status is returned, not raised, so checks can assert on it.

    http.client rather than urllib: these checks only ever talk to the servers started here,
    and refusing anything but ``http://127.0.0.1`` keeps it that way.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST:
        raise ValueError(f"benchmarks only talk to http://{HOST}, not {url}")
    body = None if json_body is None else json.dumps(json_body).encode()
    all_headers = dict(headers or {})
    if body is not None:
        all_headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection(HOST, parts.port, timeout=timeout_s)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=all_headers)
        resp = conn.getresponse()
        headers = {name.lower(): value for name, value in resp.getheaders()}
        return Reply(resp.status, resp.getheader("content-type", ""), resp.read(), headers)
    finally:
        conn.close()


# --- load generation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One endpoint to load: a name for the table, the URL and any ``Name: value`` headers.

    With ``expect_status``, wrk counts every response's status and any other status is an
    error (needed when success is not a 2xx, such as a 304 revalidation).
    """

    name: str
    url: str
    headers: tuple[str, ...] = ()
    expect_status: int | None = None


@dataclass(frozen=True)
class LoadRun:
    """What one wrk run measured."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    statuses: dict[int, int] = field(default_factory=dict)  # only when the target expects a status
    unexpected_status: int = 0

    @property
    def errors(self) -> int:
        """Socket errors plus bad answers: every unexpected status if statuses were counted, else wrk's 4xx/5xx."""
        return self.socket_errors + (self.unexpected_status if self.statuses else self.non_2xx)


@dataclass(frozen=True)
class Summary:
    """Medians over the rounds of one target; ``errors`` sums bad answers and socket errors over all rounds."""

    name: str
    url: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    runs: list[LoadRun] = field(default_factory=list)


def to_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_TO_MS[unit]


def parse_wrk(output: str) -> LoadRun:
    """Read requests/s, the 50th and 99th percentiles and error counts from ``wrk --latency`` output."""
    percentiles = {int(p): to_ms(v, u) for p, v, u in _PERCENTILE.findall(output)}
    rps = _REQUESTS_PER_S.search(output)
    total = _REQUESTS.search(output)
    if rps is None or total is None or 50 not in percentiles or 99 not in percentiles:
        raise ValueError(f"could not parse wrk output:\n{output}")
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET_ERRORS.search(output)
    return LoadRun(
        requests_per_s=float(rps.group(1)),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def run_wrk(target: Target, *, duration_s: int, connections: int = 32, threads: int = 2) -> LoadRun:
    """One bounded wrk run against ``target`` in its own process."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--latency"]
    for header in target.headers:
        cmd += ["-H", header]
    cmd.append(target.url)
    if target.expect_status is None:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 30, check=True)
        return parse_wrk(done.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(STATUS_COUNTING_LUA)
        script.flush()
        cmd[-1:-1] = ["-s", script.name]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 30, check=True)
    return with_statuses(parse_wrk(done.stdout), done.stdout, target.expect_status)


def with_statuses(run: LoadRun, output: str, expected: int) -> LoadRun:
    """Add the status counts printed by :data:`STATUS_COUNTING_LUA` and how many were not ``expected``."""
    statuses = {int(status): int(n) for status, n in _STATUS_COUNT.findall(output)}
    if not statuses:
        raise ValueError(f"wrk printed no status counts:\n{output}")
    unexpected = sum(n for status, n in statuses.items() if status != expected)
    return replace(run, statuses=statuses, unexpected_status=unexpected)


def benchmark(
    targets: Sequence[Target],
    *,
    rounds: int,
    duration_s: int,
    connections: int = 32,
    threads: int = 2,
    warmup_s: int = 1,
) -> list[Summary]:
    """Measure every target ``rounds`` times and keep the median of each figure.

    Rounds are interleaved (A, B, C, A, B, C, ...) so slow drift on the machine spreads over
    all targets instead of penalising whichever ran last; a short unrecorded warm-up run per
    target fills caches and lets the interpreter settle first.
    """
    for target in targets:
        if warmup_s > 0:
            run_wrk(target, duration_s=warmup_s, connections=connections, threads=threads)
    runs: dict[str, list[LoadRun]] = {t.name: [] for t in targets}
    for _ in range(rounds):
        for target in targets:
            runs[target.name].append(run_wrk(target, duration_s=duration_s, connections=connections, threads=threads))
    return [summarise(t, runs[t.name]) for t in targets]


def summarise(target: Target, runs: list[LoadRun]) -> Summary:
    return Summary(
        name=target.name,
        url=target.url,
        requests_per_s=statistics.median(r.requests_per_s for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
        runs=runs,
    )


# --- reporting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One pass/fail line: a correctness check before load, or a target after it."""

    name: str
    passed: bool
    detail: str


def print_checks(title: str, checks: Sequence[Check]) -> None:
    print(title)
    for check in checks:
        print(f"  {'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type that keeps a run's length bounded."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


def ratio(summary: Summary, baseline: Summary) -> float:
    """Throughput relative to the baseline (1.0 = as fast as the bare framework)."""
    return summary.requests_per_s / baseline.requests_per_s if baseline.requests_per_s else 0.0


def print_table(summaries: Sequence[Summary], baseline: Summary) -> None:
    """Medians per endpoint, with throughput as a fraction of the baseline's."""
    width = max(len(s.name) for s in summaries)
    print(f"{'endpoint':<{width}}  {'req/s':>9}  {'p50 ms':>8}  {'p99 ms':>8}  {'vs bare':>7}  {'errors':>6}")
    for s in summaries:
        print(
            f"{s.name:<{width}}  {s.requests_per_s:>9.0f}  {s.p50_ms:>8.2f}  {s.p99_ms:>8.2f}"
            f"  {ratio(s, baseline):>6.2f}x  {s.errors:>6}"
        )


def environment() -> dict[str, Any]:
    """Enough about the machine to tell whether two result files are comparable."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_results(name: str, payload: Mapping[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    return path


def _jsonable(value: object) -> object:
    if isinstance(value, Summary | LoadRun):
        return asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
