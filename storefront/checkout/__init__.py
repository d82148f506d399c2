"""Checkout: turn a cart into an order, holding its stock and capacity, and start its payment."""

from storefront.checkout import service
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn

__all__ = ["CheckoutIn", "CheckoutOut", "ConfirmIn", "service"]
