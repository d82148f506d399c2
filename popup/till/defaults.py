"""Where and how a till serves unless told otherwise (no imports, so ``stallkit popup --help`` stays quick)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"  # loopback: the laptop's own browser; --host 0.0.0.0 opts in to the stall's tablets
DEFAULT_PORT = 8100
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
KEY_ENV = "STALLKIT_PACK_KEY"
PIN_ENV = "STALLKIT_TILL_PIN"
DATA_ENV = "STALLKIT_TILL_DATA"


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_ENV) or Path.home() / ".stallkit" / "till")
