"""What the till refuses in returns, exchanges, trade-ins, stock counts and cash-ups.

Storefront domain errors, like :mod:`popup.till.errors`, so the one problem mapping gives each a
status and a stable code; the detail is the sentence staff read on the till's screen.
"""

from __future__ import annotations

from storefront.errors import Conflict, InvalidInput


class ReturnRefused(InvalidInput):
    """A return or exchange the till will not record as entered (more than can come back, a missing reference)."""

    code = "till_return_refused"
    title = "The return cannot be recorded"


class NotReturnable(Conflict):
    """The sale cannot give anything back: it was voided."""

    code = "till_sale_not_returnable"
    title = "This sale cannot be returned"


class TradeInsOff(Conflict):
    """The pack carries no valuation rules, so this stall takes no trade-ins."""

    code = "till_trade_ins_off"
    title = "This stall takes no trade-ins"


class TradeInRefused(InvalidInput):
    """A trade-in the till will not issue credit for (valued at nothing)."""

    code = "till_trade_in_refused"
    title = "The trade-in cannot be taken"


class QuoteChanged(Conflict):
    """The amount staff confirmed is not what the rules give now."""

    code = "till_quote_changed"
    title = "The quote has changed"


class CountRefused(InvalidInput):
    """A stock count naming a SKU the pack does not carry, or one SKU twice."""

    code = "till_count_refused"
    title = "The stock count cannot be recorded"


class CollectRefused(InvalidInput):
    """A pickup code no reservation waiting at this stall has."""

    code = "till_collect_refused"
    title = "No reservation has this pickup code"


class AlreadyCollected(Conflict):
    """The reservation was handed over already: an order leaves the stall once."""

    code = "till_already_collected"
    title = "This order was collected already"
