"""Orders: what was bought, how each part is fulfilled, what was paid and refunded, and what came back."""

from storefront.orders import listing, placing, reservations, service, stall, states, status, today
from storefront.orders.models import Order
from storefront.orders.payment import apply_intent, apply_signal, expire
from storefront.orders.reading import order_out
from storefront.orders.reconciliation import reconcile
from storefront.orders.schemas import OrderOut, OrderStatusOut, StepIn
from storefront.orders.service import due_at_checkout, order_ref

__all__ = [
    "Order",
    "OrderOut",
    "OrderStatusOut",
    "StepIn",
    "apply_intent",
    "apply_signal",
    "due_at_checkout",
    "expire",
    "listing",
    "order_out",
    "order_ref",
    "placing",
    "reconcile",
    "reservations",
    "service",
    "stall",
    "states",
    "status",
    "today",
]
