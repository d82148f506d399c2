"""Store credit the till issues offline: a trade-in's, a refund's, an exchange's difference.

The code is minted here with the device's mark as its prefix (:func:`storefront.credits.codes.generate`),
so it can never collide with the server's codes or another till's, and it travels in the journal
entry that issued it; the server creates the credit when that entry syncs. Beside the entry the
till keeps only the code's offline lookup (:func:`storefront.events.pack.offline_lookup`, the same
key a pack's credits use) with the amount, so a code shown once on screen is never readable back
out of the till's tables, and spending it at this till goes through the same ``till_credit_uses``
rows as a pack credit: the balance is the amount less what was taken.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime

from popup.store.entries import instant_text, parse_instant
from popup.till import state
from popup.till.action_schemas import IssuedCreditOut
from popup.till.context import TillContext
from storefront.credits import codes
from storefront.qr import qr_svg


def mint(till: TillContext) -> str:
    """A new code's normalised symbols, prefixed with the device's mark."""
    return codes.normalise(codes.generate(prefix=till.mark))


def issue(
    conn: sqlite3.Connection,
    till: TillContext,
    entry_id: uuid.UUID,
    normalised: str,
    amount: int,
    expires_at: datetime | None = None,
) -> None:
    """Inside the issuing action's transaction: the code becomes spendable here once it commits."""
    conn.execute(
        "INSERT INTO till_issued_credits (lookup, entry_id, amount, currency, expires_at) VALUES (?, ?, ?, ?, ?)",
        (
            till.credit_lookup(normalised),
            str(entry_id),
            amount,
            till.currency,
            None if expires_at is None else instant_text(expires_at),
        ),
    )


def left(conn: sqlite3.Connection, credit_lookup: str, now: datetime) -> int | None:
    """What a code issued at this till may still pay here; None when this till did not issue it, 0 once expired."""
    row = conn.execute(
        "SELECT amount, expires_at FROM till_issued_credits WHERE lookup = ?", (credit_lookup,)
    ).fetchone()
    if row is None:
        return None
    amount, expires_at = row
    if expires_at is not None and parse_instant(expires_at) <= now:
        return 0
    return max(0, int(amount) - state.credit_taken(conn, credit_lookup))


def shown(till: TillContext, normalised: str, amount: int, expires_at: datetime | None) -> IssuedCreditOut:
    return IssuedCreditOut(code=codes.printed(normalised), amount=amount, currency=till.currency, expires_at=expires_at)


def qr(credit: IssuedCreditOut) -> str:
    """The slip's QR code, drawn offline: what a till or a checkout scans instead of typing the code."""
    return qr_svg(credit.code, label=f"Credit code {credit.code}")
