"""One till process per data directory, enforced by the operating system.

Two processes appending to one journal would hand out the same sequence number twice, or mark
each other's entries synced. An ``flock`` on a file in the data directory is held for the store's
lifetime: the kernel drops it when the process dies, however it dies (a SIGKILL, a pulled plug
on a laptop that reboots), so a crash never leaves a stale lock behind. ``flock`` locks belong to
an open file, not a process, so the same process opening the directory twice is refused too. The
holder's pid is written into the file only to name it in the refusal.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from popup.store.errors import TillAlreadyOpen

LOCK_FILE = "till.lock"


class DirectoryLock:
    """An exclusive lock on a data directory; :meth:`release` (or process exit) frees it."""

    def __init__(self, fd: int, directory: Path) -> None:
        self._fd: int | None = fd
        self.directory = directory

    @classmethod
    def acquire(cls, directory: Path) -> DirectoryLock:
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise TillAlreadyOpen(
                f"the till data directory {directory} is already open by {holder}; "
                "close that till first (one till process per data directory)"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd, directory)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor of the open file drops the flock
            self._fd = None


def _holder(fd: int) -> str:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return f"pid {text}" if text.isdigit() else "a process that has not written its pid yet"
