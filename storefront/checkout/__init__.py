"""Checkout: turn a cart into an order, holding its stock and capacity, and start its payment."""

from storefront.checkout import service
from storefront.checkout.limits import ShopperLimit, shopper_ref
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn

__all__ = ["CheckoutIn", "CheckoutOut", "ConfirmIn", "ShopperLimit", "service", "shopper_ref"]
