"""What an event offers: its stall prices, its limited drops, and what a brand's site shows of it.

``rules`` is pure (a drop's left and status, a price change's stamp); the rest read and write the
event's tables, and count drop sales through the stock ledger (:mod:`.drops` says why).
"""

from storefront.events.offer import drops, prices, rules, upcoming
from storefront.events.offer.drops import create_drop, get_drop, list_drops, pack_drops
from storefront.events.offer.prices import PriceChange, changes_since, list_prices, put_prices, stall_prices
from storefront.events.offer.upcoming import upcoming_events

__all__ = [
    "PriceChange",
    "changes_since",
    "create_drop",
    "drops",
    "get_drop",
    "list_drops",
    "list_prices",
    "pack_drops",
    "prices",
    "put_prices",
    "rules",
    "stall_prices",
    "upcoming",
    "upcoming_events",
]
