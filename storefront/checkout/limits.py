"""How much stock one shopper may hold unpaid: the rule that keeps a product buyable for everyone.

Checkout holds a cart's units while the shopper pays, so an unpaid checkout takes stock off sale.
Unbounded, one client with a publishable key and made-up emails could hold a product's whole stock,
again and again. Three bounds together keep that small, each cheap for a real shopper:

- holds are short (``STALLKIT_CHECKOUT_HOLD_MINUTES``, 15 by default: paying by card, 3-D Secure
  included, takes a couple of minutes; the hold is released the moment it ends);
- one shopper (the same email, or the same client address) holds at most
  ``STALLKIT_UNPAID_CHECKOUTS_PER_SHOPPER`` unpaid orders at a time (2 by default: a second tab, a
  changed mind), and hears when the earliest lets go;
- checkouts are rate-limited per client and per key at the edge.

What is left is a client with many addresses; rate limits per key bound that too, and unpaid orders
show in the order list for the brand to see. Checkouts made with a secret key (the brand's own
server, checking out for many shoppers) are not capped here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import msgspec


class ShopperLimit(msgspec.Struct, frozen=True, kw_only=True):
    """Who is checking out (``ref``: :func:`shopper_ref` of the client, if known) and their cap."""

    ref: str | None
    unpaid_orders: int


def shopper_ref(secret: str, client: str) -> str:
    """A stable, keyed hash of the client's address: enough to tell shoppers apart, not to find them."""
    return hmac.new(secret.encode(), client.encode(), hashlib.sha256).hexdigest()[:32]


def earliest_release(open_holds: Sequence[datetime], cap: int) -> datetime | None:
    """None while the shopper may hold another order; else when the earliest of their holds ends."""
    return min(open_holds) if len(open_holds) >= cap else None
