"""Where uploaded media (trade-in photos) are kept: a small port, and local files behind it.

Keys are made by us (``<kind>/<uuid>/<uuid>.<ext>``), never taken from a request; the local
implementation still refuses any key that is not in that alphabet or that would leave its root,
so a bug elsewhere cannot turn into reading or writing outside the media folder. A write goes to
a temporary file first and is renamed into place, so a reader never sees half a photo.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from storefront.settings import Settings

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*(\.[a-z0-9]{1,8})?")


class StorageKeyInvalid(ValueError):
    """A key outside the alphabet we make keys in: a bug, never a client's mistake."""


class MediaNotFound(LookupError):
    """No bytes are stored under the key."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class LocalStorage:
    """Media as files under ``root``; the content type is kept by the caller's row, not here."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, key: str) -> Path:
        if len(key) > 200 or not KEY_PATTERN.fullmatch(key):
            raise StorageKeyInvalid(f"not a storage key: {key!r}")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise StorageKeyInvalid(f"not a storage key: {key!r}")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.path_of(key), data)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise MediaNotFound(key) from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def media_storage(settings: Settings) -> LocalStorage:
    """The app's media storage: ``<data_dir>/media``."""
    return LocalStorage(Path(settings.data_dir) / "media")


__all__ = ["LocalStorage", "MediaNotFound", "Storage", "StorageKeyInvalid", "media_storage"]
