"""A small in-process read cache validated by a version number.

Entries are stored with the version they were read at (a brand's ``catalog_version``); a
lookup with any other version misses. The version is read fresh on every request (it comes
with the API key lookup), so a write in any worker invalidates every worker's cache on its
next request, while a hit costs no query beyond that one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()
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

    def clear(self) -> None:
        self._entries.clear()
