"""Syncing while the till sells: a thread that sends pending entries whenever the storefront answers.

At a stall the network comes and goes, so the till does not wait for staff to press a button: every
``interval`` seconds (sooner after a sale, when :meth:`BackgroundSync.nudge` is called) it tries,
and when the storefront is unreachable it simply tries again later. With nothing to send it still
asks, by an empty batch, for what changed online (prices, credit caps, reservations to collect).
The store is shared with the till's web threads; its own lock serialises the two, and a sale never
waits on the network because the network part happens outside that lock (the store is only held
while reading pending entries and marking them synced).
"""

from __future__ import annotations

import threading

from popup.store import TillStore
from popup.sync.client import OnUpdates, SyncReport, SyncTarget, fetch_updates, sync
from popup.sync.transport import Storefront
from storefront.clock import Clock


class BackgroundSync:
    """Start it with :meth:`start`, stop it with :meth:`stop`; :attr:`last` is the last run's report."""

    def __init__(
        self,
        store: TillStore,
        storefront: Storefront,
        target: SyncTarget,
        *,
        clock: Clock,
        interval: float = 30.0,
        on_updates: OnUpdates | None = None,
    ) -> None:
        self._store = store
        self._storefront = storefront
        self._target = target
        self._clock = clock
        self._interval = interval
        self._on_updates = on_updates
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="till-sync", daemon=True)
        self.last: SyncReport | None = None
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        """Try soon (a sale was just recorded, or staff pressed "sync now")."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        self._storefront.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._store.status(self._clock()).pending:
                self.last = sync(
                    self._store, self._storefront, self._target, clock=self._clock, on_updates=self._on_updates
                )
                self.runs += 1
            elif self._on_updates is not None:
                # Nothing to send, but the storefront may have news: a price, a cap, a reservation.
                news = fetch_updates(self._storefront, self._target, self._store.device_id)
                if news is not None:
                    self._on_updates(news)
            self._wake.wait(self._interval)
            self._wake.clear()
