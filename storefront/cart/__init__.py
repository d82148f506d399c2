"""Carts: what a shopper means to buy, how each line reaches them, and what it costs before checkout."""
