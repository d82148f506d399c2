"""Payments: Stripe PaymentIntents, refunds and signed webhooks.

:mod:`storefront.payments.stripe_gateway` is the only module that imports ``stripe``; the rest
of the project sees plain views (``PaymentIntentView``, ``RefundView``, ``WebhookEvent``) and
the domain's errors, so checkout and orders can be tested without the SDK's types leaking in.
"""
