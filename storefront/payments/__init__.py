"""Payments: Stripe PaymentIntents, refunds and signed webhooks.

:mod:`storefront.payments.stripe_gateway` is the only module that imports ``stripe``; the rest
of the project sees plain views (``PaymentIntentView``, ``RefundView``, ``WebhookEvent``) and
the domain's errors, so checkout and orders can be tested without the SDK's types leaking in.
"""

from storefront.payments import webhooks
from storefront.payments.api import Gateway
from storefront.payments.gateway import PaymentGateway, PaymentIntentView, PaymentNews
from storefront.payments.stripe_gateway import StripeGateway

__all__ = [
    "Gateway",
    "PaymentGateway",
    "PaymentIntentView",
    "PaymentNews",
    "StripeGateway",
    "webhooks",
]
