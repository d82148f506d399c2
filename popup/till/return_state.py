"""What the till's returns tables say about a sale, for the actions beside returns (a void).

A sale that has had a return, and an exchange's new sale, cannot be voided: a void gives back
everything the sale took, so after a return it would refund those lines twice, and voiding an
exchange would undo its sale but not its return. Both go back as a return instead.
"""

from __future__ import annotations

import sqlite3
import uuid


def void_refusal(conn: sqlite3.Connection, sale_id: uuid.UUID) -> str | None:
    """Why the sale cannot be voided (in staff words), or None when nothing of it came back."""
    kind = conn.execute("SELECT kind FROM journal WHERE id = ?", (str(sale_id),)).fetchone()
    if kind is not None and kind[0] == "exchange":
        return "this sale is part of an exchange: take it back as a return instead"
    if conn.execute("SELECT 1 FROM till_returns WHERE sale_id = ? LIMIT 1", (str(sale_id),)).fetchone():
        return "part of this sale has been returned already: take the rest back as a return instead"
    return None
