"""The staff PIN: set once per data directory, kept only as a salted scrypt hash, checked slowly.

A till at a market is a laptop or tablet anyone can reach across the table; the PIN keeps a
passer-by from ringing up a "sale" or voiding one. A short PIN is guessable offline from its
hash, so the file is the owner's alone (mode 0600) and the hash is scrypt (memory-hard, from the
standard library), and guessing online is slowed by :class:`Throttle`: after five wrong PINs in a
row the till refuses every PIN for thirty seconds (answered 429 with ``Retry-After``).

The throttle is one per till, not one per client: the till serves one stall's tablets, and a
per-address limit would let someone on the stall's network guess from many addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

PIN_FILE = "pin.json"
PIN_PATTERN = re.compile(r"[0-9]{4,12}")
# scrypt's cost: n=2**14, r=8 (16 MiB, about 50 ms here): slow for a guesser, quick for staff.
_N, _R, _P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024


class PinFormat(ValueError):
    """Not a PIN the till accepts: 4 to 12 digits."""


def check_format(pin: str) -> str:
    if not PIN_PATTERN.fullmatch(pin):
        raise PinFormat("the staff PIN must be 4 to 12 digits")
    return pin


@dataclass(frozen=True)
class PinHash:
    salt: bytes
    digest: bytes
    n: int = _N
    r: int = _R
    p: int = _P

    @classmethod
    def of(cls, pin: str) -> PinHash:
        salt = secrets.token_bytes(16)
        return cls(salt=salt, digest=_scrypt(check_format(pin), salt, _N, _R, _P))

    def matches(self, pin: str) -> bool:
        candidate = _scrypt(pin, self.salt, self.n, self.r, self.p)
        return hmac.compare_digest(candidate, self.digest)

    def save(self, directory: Path) -> None:
        body = {"algorithm": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": self.salt.hex()}
        write_private(directory / PIN_FILE, json.dumps({**body, "hash": self.digest.hex()}).encode())

    @classmethod
    def load(cls, directory: Path) -> PinHash | None:
        """The saved hash, or None when no PIN was set; ``ValueError`` if the file is damaged."""
        try:
            text = (directory / PIN_FILE).read_bytes()
        except FileNotFoundError:
            return None
        try:
            body = json.loads(text)
            return cls(
                salt=bytes.fromhex(body["salt"]),
                digest=bytes.fromhex(body["hash"]),
                n=int(body["n"]),
                r=int(body["r"]),
                p=int(body["p"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{directory / PIN_FILE} is damaged ({exc}); remove it and set the PIN again") from None


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` readable by its owner only (0600 from creation), durably, replacing it whole."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    os.chmod(path, 0o600)


class Throttle:
    """Wrong PINs in a row, and the pause they earn: ``allowed`` before a check, ``failed``/``passed`` after."""

    def __init__(self, limit: int = 5, pause: timedelta = timedelta(seconds=30)) -> None:
        self.limit = limit
        self.pause = pause
        self._wrong = 0
        self._until: datetime | None = None
        self._lock = threading.Lock()

    def wait_left(self, now: datetime) -> float:
        """Seconds before another PIN may be tried (0: now)."""
        with self._lock:
            if self._until is None or now >= self._until:
                return 0.0
            return (self._until - now).total_seconds()

    def failed(self, now: datetime) -> None:
        with self._lock:
            if self._until is not None and now >= self._until:
                self._until = None
                self._wrong = 0
            self._wrong += 1
            if self._wrong >= self.limit:
                self._until = now + self.pause
                self._wrong = 0

    def passed(self) -> None:
        with self._lock:
            self._wrong = 0
            self._until = None
