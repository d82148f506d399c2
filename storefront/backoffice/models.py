"""Staff accounts, their server-side sessions and password-reset links: who may use the back office.

A staff account belongs to one brand (its email is unique across brands, so signing in needs no
brand to be named) and has a role: ``owner`` (everything, staff and keys included), ``staff``
(the day's work) or ``stall`` (one event's pages only, ``event``). Passwords are Argon2 hashes
(:mod:`storefront.backoffice.passwords`); sessions and reset links are random tokens stored only as
SHA-256, so the table read by an attacker opens nothing.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.events import Event
from storefront.ids import new_id
from storefront.tenancy import Brand


class StaffAccount(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="staff_accounts", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    email = fields.CharField(max_length=254, unique=True)  # as :func:`rules.normalise_email` keeps it
    name = fields.CharField(max_length=100)
    role = fields.CharField(max_length=8)  # owner | staff | stall
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "stallkit.Event", related_name="staff_accounts", on_delete=fields.CASCADE, null=True
    )  # a stall account's event
    event_id: uuid.UUID | None
    password_hash = fields.CharField(max_length=200)
    failed_sign_ins = fields.IntField(default=0)  # in a row, since the last success or lockout
    locked_until = fields.DatetimeField(null=True)
    disabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    password_changed_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "staff_account"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("brand_id", "id"), name="staff_account_brand_page"),
            Index(fields=("event_id",), name="staff_account_event_id"),
        )


class StaffSession(Model):
    """A signed-in browser: ``token_hash`` is SHA-256 of the cookie's token; ``csrf_token`` goes in every form."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    account: fields.ForeignKeyRelation[StaffAccount] = fields.ForeignKeyField(
        "stallkit.StaffAccount", related_name="sessions", on_delete=fields.CASCADE
    )
    account_id: uuid.UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()  # the absolute end, however active the session is

    class Meta:
        app = "stallkit"
        table = "staff_session"
        indexes = (Index(fields=("account_id",), name="staff_session_account_id"),)


class PasswordReset(Model):
    """A one-time link to set a new password (printed by the CLI: the demo has no mail server)."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    account: fields.ForeignKeyRelation[StaffAccount] = fields.ForeignKeyField(
        "stallkit.StaffAccount", related_name="password_resets", on_delete=fields.CASCADE
    )
    account_id: uuid.UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        app = "stallkit"
        table = "password_reset"
        indexes = (Index(fields=("account_id",), name="password_reset_account_id"),)


class FormClaim(Model):
    """A back-office form already acted on, by the key it was rendered with: a second submit does nothing twice."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="backoffice_form_claims", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    key = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "backoffice_form_claim"
        unique_together = (("brand", "key"),)
