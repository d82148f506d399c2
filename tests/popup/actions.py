"""Till actions for the tests: state changes on the store's ``stock`` table, the way a sale makes one."""

from __future__ import annotations

import sqlite3

from popup.store import Apply, TillStore


def stock_in(sku: str, quantity: int) -> Apply:
    def apply(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO stock (sku, quantity) VALUES (?, ?)"
            " ON CONFLICT (sku) DO UPDATE SET quantity = quantity + excluded.quantity",
            (sku, quantity),
        )

    return apply


def sell(sku: str, quantity: int = 1) -> Apply:
    def apply(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE stock SET quantity = quantity - ? WHERE sku = ?", (quantity, sku))

    return apply


class Refused(Exception):
    """What a failing action raises after it has already changed state."""


def sell_then_fail(sku: str) -> Apply:
    def apply(conn: sqlite3.Connection) -> None:
        sell(sku)(conn)
        raise Refused("the card terminal said no after the stock moved")

    return apply


def stock_of(store: TillStore, sku: str) -> int | None:
    row = store.read(lambda conn: conn.execute("SELECT quantity FROM stock WHERE sku = ?", (sku,)).fetchone())
    return None if row is None else int(row[0])
