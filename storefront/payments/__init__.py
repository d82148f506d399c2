"""Payments: the payment port and its adapters; this domain knows no order.

:class:`~storefront.payments.gateway.PaymentGateway` (a Protocol) is what checkout and orders
use; :mod:`.stripe_gateway` implements it (the only module that imports ``stripe``) and
:mod:`.fake` implements it in memory for pure tests and offline tools. Webhooks are verified
here and turned into ``PaymentNews``; ``orders`` applies them, and calls :func:`refuse_news` for
news its order could not hold (a refund beyond what was paid).
"""

from storefront.payments import webhooks
from storefront.payments.api import Gateway
from storefront.payments.events import refuse_news
from storefront.payments.gateway import PaymentGateway, PaymentIntentView, PaymentNews, Shipping, ShippingAddress
from storefront.payments.stripe_gateway import StripeGateway

__all__ = [
    "Gateway",
    "PaymentGateway",
    "PaymentIntentView",
    "PaymentNews",
    "Shipping",
    "ShippingAddress",
    "StripeGateway",
    "refuse_news",
    "webhooks",
]
