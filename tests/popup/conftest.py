"""Fixtures for the till store's tests: a fixed clock, a device id, and stores that close themselves.

Nothing here touches the storefront's database fixtures: the till store is plain SQLite in a
temporary directory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from popup.store import TillStore
from storefront.clock import FixedClock

START = datetime(2026, 6, 6, 9, 0, tzinfo=UTC)

OpenTill = Callable[..., TillStore]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def device() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def open_till(tmp_path: Path, clock: FixedClock, device: uuid.UUID) -> Iterator[OpenTill]:
    """``open_till("a")`` opens (or reopens) the store in ``tmp_path / "a"``; all are closed afterwards."""
    opened: list[TillStore] = []

    def open_(name: str = "till", *, device_id: uuid.UUID | None = None) -> TillStore:
        store = TillStore.open(tmp_path / name, device_id=device_id or device, clock=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()
