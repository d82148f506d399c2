"""A small in-process read cache validated by a version number.

Entries are stored with the version they were read at (a brand's ``catalog_version``); a
lookup with any other version misses. The version is read fresh on every request (it comes
with the API key lookup), so a write in any worker invalidates every worker's cache on its
next request, while a hit costs no query beyond that one.

Concurrent misses for the same key and version share one load (:meth:`get_or_load`): on
SQLite under load each query waits for the GIL behind the busy event loop, so 32 requests
loading the same cold product one after another took seconds where one load takes 3 ms.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Future[V]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, version: int) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: Hashable, version: int, value: V) -> None:
        self._entries[key] = (version, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_load(self, key: Hashable, version: int, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or the result of ``load()``; one load per (key, version) at a time."""
        hit = self.get(key, version)
        if hit is not None:
            return hit
        flight_key = (key, version)
        flight = self._inflight.get(flight_key)
        if flight is None:
            flight = asyncio.ensure_future(load())
            self._inflight[flight_key] = flight
            flight.add_done_callback(lambda _: self._inflight.pop(flight_key, None))
        value = await asyncio.shield(flight)
        if flight.exception() is None:
            self.put(key, version, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


async def cached(
    cache: VersionedCache[V] | None, key: Hashable, version: int | None, load: Callable[[], Awaitable[V]]
) -> V:
    """``load()`` through ``cache`` when there is one and a version to validate against."""
    if cache is None or version is None:
        return await load()
    return await cache.get_or_load(key, version, load)
