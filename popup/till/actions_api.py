"""The till's actions beyond selling, as one list for the app: returns and exchanges, trade-in intake,
stock counts and cash-up, collecting reservations (each module holds its own routes)."""

from __future__ import annotations

from popup.till import collecting_api, counts_api, returns_api, trade_in_api

HANDLERS = [*returns_api.HANDLERS, *trade_in_api.HANDLERS, *counts_api.HANDLERS, *collecting_api.HANDLERS]
