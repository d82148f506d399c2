"""Run by ``test_crash.py`` as its own process: sell mugs until killed, reporting each committed seq.

Usage: ``python crash_child.py DATA_DIR DEVICE_ID``. Each line on stdout, ``seq pid n``, is printed
(and flushed) only after ``record`` has returned, so it is the till's "paid" on screen: whatever
moment the parent kills this process, every line it printed must be in the store.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import uuid

from popup.store import TillStore
from storefront.clock import utcnow


def sell_a_mug(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE stock SET quantity = quantity - 1 WHERE sku = 'MUG'")


def main(data_dir: str, device: str) -> None:
    store = TillStore.open(data_dir, device_id=uuid.UUID(device), clock=utcnow)
    pid = os.getpid()
    n = 0
    while True:
        n += 1
        entry = store.record("sale", {"pid": pid, "n": n}, sell_a_mug)
        print(entry.seq, pid, n, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
