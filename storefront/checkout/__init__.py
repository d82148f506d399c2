"""Checkout: turn a cart into an order, holding its stock and capacity, and start its payment."""
