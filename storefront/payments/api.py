"""``POST /v1/webhooks/stripe``: no API key (Stripe has none of ours); the signature is the authentication."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post

from storefront.clock import utcnow
from storefront.payments.webhooks import handle_event


class WebhookReceipt(msgspec.Struct, frozen=True, kw_only=True):
    received: bool
    outcome: str


class StripeWebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["payments"]

    @post("/stripe", summary="Stripe webhook (signature-verified)", status_code=200)
    async def stripe_webhook(self, request: Request[Any, Any, Any]) -> WebhookReceipt:
        gateway = request.app.state["payments"]
        event = gateway.parse_webhook(await request.body(), request.headers.get("stripe-signature"))
        outcome = await handle_event(event, gateway=gateway, now=utcnow())
        return WebhookReceipt(received=True, outcome=outcome)
