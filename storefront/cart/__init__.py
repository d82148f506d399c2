"""Carts: what a shopper means to buy, how each line reaches them, and what it costs before checkout."""

from storefront.cart import pricing
from storefront.cart.credits import applied as applied_credits
from storefront.cart.credits import applied_ids as applied_credit_ids
from storefront.cart.models import Cart, CartCredit, CartLine
from storefront.cart.pricing import deposit_split
from storefront.cart.schemas import FulfilmentChoice, OrderRef
from storefront.cart.service import CartClosed, mark_checked_out, purge_abandoned_carts
from storefront.cart.view import (
    choice_of,
    find_cart,
    group_key,
    line_quote,
    lines_of,
    options_by_handle,
    options_for,
    price_inputs,
    quote_problem,
)

__all__ = [
    "Cart",
    "CartClosed",
    "CartCredit",
    "CartLine",
    "FulfilmentChoice",
    "OrderRef",
    "applied_credit_ids",
    "applied_credits",
    "choice_of",
    "deposit_split",
    "find_cart",
    "group_key",
    "line_quote",
    "lines_of",
    "mark_checked_out",
    "options_by_handle",
    "options_for",
    "price_inputs",
    "pricing",
    "purge_abandoned_carts",
    "quote_problem",
]
