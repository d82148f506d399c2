"""kill -9 of the sync client mid-upload, at many random points, then sync again: exactly once.

Between kills the till keeps selling, so every kill finds entries pending and lands somewhere in an
upload: while a batch is on the wire, while the storefront applies it, after it answered and before
the till marked the batch synced, or between batches. Whatever was cut, the next run sends what is
still pending, the storefront answers ``duplicate`` for what it already holds, and the stall ends
exactly where one clean sync would have left it.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from popup.store import TillStore
from popup.sync import Storefront, sync
from storefront.clock import FixedClock, utcnow
from tests.live import LiveStorefront, live_storefront
from tests.popup.stall import Stall, open_stall, ring_up

KILLS = 70
NOW = datetime.now(UTC)


def fork_sync(data: Path, stall: Stall) -> int:
    """A forked child (no start-up cost) syncing the till in small batches; its pid, once it syncs."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(ready_r)
            with TillStore.open(data, device_id=stall.device_id, clock=utcnow) as store:
                os.write(ready_w, b"r")
                with Storefront(stall.storefront.api, timeout=30) as client:
                    sync(store, client, stall.target, clock=utcnow, batch=3)
            code = 0
        finally:
            os._exit(code)
    os.close(ready_w)
    try:
        assert os.read(ready_r, 1) == b"r", "the sync child did not start"
    finally:
        os.close(ready_r)
    return pid


@pytest.fixture(scope="module")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStorefront]:
    with live_storefront(tmp_path_factory.mktemp("sync-crash")) as running:
        yield running


def test_kill_9_of_the_sync_client_at_random_points_loses_nothing_and_doubles_nothing(
    storefront: LiveStorefront, tmp_path: Path
) -> None:
    stall = open_stall(storefront)
    data = tmp_path / "till"
    rng = random.Random(13)
    sold: dict[str, int] = {}
    cut = 0  # kills that left entries pending: the upload was under way
    upload = 0.0  # how long one round's upload takes when nothing kills it: the kills land inside it
    for kill in range(KILLS + 1):
        with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
            for sku, q in ring_up(store, stall, 12, seed=kill, start=1 + 12 * kill).items():
                sold[sku] = sold.get(sku, 0) + q
        began = time.monotonic()
        child = fork_sync(data, stall)
        if kill == 0:  # the first round runs to its end, to time an upload on this machine today
            os.waitpid(child, 0)
            upload = time.monotonic() - began
            continue
        time.sleep(rng.uniform(0.0, upload))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
            cut += store.status(NOW).pending > 0
    assert cut >= KILLS // 2, f"only {cut} of {KILLS} kills landed mid-upload: lengthen the uploads"
    with TillStore.open(data, device_id=stall.device_id, clock=FixedClock(NOW)) as store:
        with Storefront(storefront.api) as client:
            report = sync(store, client, stall.target, clock=FixedClock(NOW))
        assert report.error is None, report.error
        assert store.status(NOW).pending == 0
    stall.assert_exactly_once(sold)
