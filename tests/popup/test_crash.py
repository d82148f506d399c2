"""A real crash: a till process is SIGKILLed at random moments, over and over, on one data directory.

After every kill the store must hold every entry the till reported as recorded (the "paid" it
would have shown), with its payload, its seqs must still run 1..n without a gap, every sale's
stock movement must be there with it (no entry without its state change, nor the reverse), and
the directory must be free for the next till to open.
"""

from __future__ import annotations

import contextlib
import random
import select
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from popup.store import TillStore, canonical_json
from storefront.clock import FixedClock
from tests.popup.actions import stock_in, stock_of
from tests.popup.conftest import START

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_child.py")
ROUNDS = 30
STOCK = 1_000_000


def _run_and_kill(data_dir: Path, device: uuid.UUID, rng: random.Random, round_: int) -> list[tuple[int, int, int]]:
    """Start a till, kill it at a random moment, answer the ``(seq, pid, n)`` lines it completed."""
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), str(data_dir), str(device)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    if round_ % 3 == 0:  # any moment: starting up, opening the store, or selling
        delay = rng.uniform(0.0, 0.6)
    else:  # while it sells: wait for its first sale, then a little
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the till printed nothing in 30 s"
        delay = rng.uniform(0.0, 0.05)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=delay)
    child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, f"the till died on its own:\n{err.decode()}"
    complete = out.decode().split("\n")[:-1]  # a line cut by the kill has no newline: it was never shown
    return [(int(a), int(b), int(c)) for a, b, c in (line.split() for line in complete)]


def test_every_reported_entry_survives_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "till"
    device = uuid.uuid4()
    clock = FixedClock(START)
    with TillStore.open(data_dir, device_id=device, clock=clock) as store:
        store.record("stock_count", {"sku": "MUG", "quantity": STOCK}, stock_in("MUG", STOCK))

    rng = random.Random(20260606)  # reproducible kill moments
    reported: dict[int, tuple[int, int]] = {}
    rounds_with_sales = 0
    for round_ in range(ROUNDS):
        lines = _run_and_kill(data_dir, device, rng, round_)
        rounds_with_sales += bool(lines)
        for seq, pid, n in lines:
            reported[seq] = (pid, n)

        with TillStore.open(data_dir, device_id=device, clock=clock) as store:  # the lock is free again
            entries = store.entries()
            assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
            by_seq = {e.seq: e for e in entries}
            for seq, (pid, n) in reported.items():
                assert seq in by_seq, f"round {round_}: seq {seq} was reported recorded but is gone"
                assert by_seq[seq].payload == canonical_json({"pid": pid, "n": n})
            assert stock_of(store, "MUG") == STOCK - (len(entries) - 1)
    assert rounds_with_sales >= ROUNDS // 2, f"only {rounds_with_sales} rounds were killed while selling"
