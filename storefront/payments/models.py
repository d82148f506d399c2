"""Stripe events already handled: a replayed webhook finds its id here and changes nothing."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StripeEvent(Model):
    id = fields.CharField(max_length=100, primary_key=True)  # Stripe's evt_ id
    type = fields.CharField(max_length=60)
    object_id = fields.CharField(max_length=100)
    outcome = fields.CharField(max_length=300, default="")
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "stripe_event"
