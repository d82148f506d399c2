"""Unlocked staff sessions: who is selling (for the journal), their cart, and their CSRF token.

Sessions live in the till process's memory: the till is one process on one machine, and a locked
or restarted till should ask for the PIN again anyway. A cart is not a sale until it is paid, so
it lives here too and is lost with the session, by design.

The session cookie is HttpOnly and SameSite=Strict, so no other site's page can send it. Not
Secure: the till is served over plain HTTP on 127.0.0.1 (or the stall's own network with
``--host``), and a Secure cookie would never come back. Every state-changing request also needs
the session's CSRF token, in the ``X-CSRF-Token`` header (htmx sends it from ``hx-headers`` on
the page body; JSON clients take it from ``POST /unlock``'s answer) or in a ``csrf_token`` form
field (the plain forms that work without JavaScript). SameSite=Strict alone would do on current
browsers; the token also covers an old tablet browser that ignores SameSite.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

COOKIE = "till_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
IDLE = timedelta(hours=8)  # a market day; lock the till (POST /lock) to end it sooner


@dataclass
class Cart:
    """What is being rung up: SKU and quantity, in the order scanned, and one staff discount."""

    lines: dict[str, int] = field(default_factory=dict)
    discount: int = 0
    discount_reason: str = ""

    def add(self, sku: str, quantity: int = 1) -> None:
        self.lines[sku] = self.lines.get(sku, 0) + quantity
        if self.lines[sku] <= 0:
            del self.lines[sku]

    def clear(self) -> None:
        self.lines.clear()
        self.discount = 0
        self.discount_reason = ""


@dataclass
class Session:
    token: str
    staff: str
    csrf_token: str
    last_seen: datetime
    cart: Cart = field(default_factory=Cart)
    # The pay form's idempotency key and the sale it recorded: a second tap on "Pay" shows that sale.
    last_paid: tuple[str, uuid.UUID] | None = None

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf_token.encode())


class Sessions:
    """The till's unlocked sessions, by cookie token; thread-safe (handlers may run in threads)."""

    def __init__(self, idle: timedelta = IDLE) -> None:
        self.idle = idle
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, staff: str, now: datetime) -> Session:
        session = Session(
            token=secrets.token_urlsafe(32), staff=staff, csrf_token=secrets.token_urlsafe(32), last_seen=now
        )
        with self._lock:
            self._forget_idle(now)
            self._by_token[session.token] = session
        return session

    def get(self, token: str | None, now: datetime) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.idle:
                del self._by_token[token]
                return None
            session.last_seen = now
            return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

    def _forget_idle(self, now: datetime) -> None:
        for token in [t for t, s in self._by_token.items() if now - s.last_seen > self.idle]:
            del self._by_token[token]
