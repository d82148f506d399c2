"""Store credit: a credit (one code), its lots (amounts with their own expiry) and the append-only entries.

A lot's ``remaining_minor`` and ``held_minor`` cache the sum of its entries' ``amount_minor`` and
``held_minor``, moved in the same transaction as the entry that explains them (as stock levels
cache stock movements): the balance is fast to read and the ledger says why it is what it is.
Entries are never updated or deleted.
"""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from storefront.ids import new_id
from storefront.tenancy import Brand


class TradeInRules(Model):
    """A brand's valuation rules (``credits.valuation.ValuationRules``, as JSON); no row: the defaults."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.OneToOneRelation[Brand] = fields.OneToOneField(
        "stallkit.Brand", related_name="trade_in_rules", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    rules: dict[str, object] = fields.JSONField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stallkit"
        table = "trade_in_rules"


class Credit(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="credits", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    code_hash = fields.CharField(max_length=64, unique=True)  # HMAC-SHA256, hex: never the code
    code_hint = fields.CharField(max_length=4)  # its last four symbols, for staff screens
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=8, default="active")  # active | spent | expired
    created_at = fields.DatetimeField(auto_now_add=True)
    # ``codes.offline_lookup`` of the code, stored when it is minted: how a stall finds the credit
    # without the code. Null for credits minted before stalls existed: those cannot go offline.
    offline_lookup = fields.CharField(max_length=64, null=True)
    # Issued offline by a stall's till under a code it minted: spent at a stall from its balance.
    stall_issued = fields.BooleanField(default=False)

    class Meta:
        app = "stallkit"
        table = "credit"
        # By column: Tortoise 1.1's migration writer does not map relation names to columns.
        indexes = (
            Index(fields=("brand_id", "id"), name="credit_brand_page"),
            Index(fields=("brand_id", "offline_lookup"), name="credit_offline_lookup"),
        )


class CreditLot(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    credit: fields.ForeignKeyRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="lots", on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID
    amount_minor = fields.BigIntField()  # as issued
    remaining_minor = fields.BigIntField()  # spendable now
    held_minor = fields.BigIntField(default=0)  # held by checkouts, not yet redeemed
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stallkit"
        table = "credit_lot"
        indexes = (
            Index(fields=("credit_id",), name="credit_lot_credit_id"),
            # The housekeeping job's question: which lots with money left have expired?
            Index(fields=("expires_at", "remaining_minor"), name="credit_lot_expiry"),
        )


class CreditEntry(Model):
    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="credit_entries", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    credit: fields.ForeignKeyRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="entries", on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID
    lot: fields.ForeignKeyRelation[CreditLot] = fields.ForeignKeyField(
        "stallkit.CreditLot", related_name="entries", on_delete=fields.CASCADE
    )
    lot_id: uuid.UUID
    kind = fields.CharField(max_length=8)  # issue | hold | release | redeem | refund | expire | adjust
    amount_minor = fields.BigIntField()  # signed change to what can be spent
    held_minor = fields.BigIntField(default=0)  # signed change to what is held
    # One operation may touch several lots: each is its own entry, under the operation's key, numbered.
    idempotency_key = fields.CharField(max_length=200)
    seq = fields.SmallIntField(default=0)
    hold_key = fields.CharField(max_length=200, default="")  # release and redeem: the hold they settle
    reason = fields.CharField(max_length=200, default="")
    actor = fields.CharField(max_length=64)  # key:<id>, staff:<id>, system:<job>
    created_at = fields.DatetimeField(auto_now_add=True)
    # A release or redemption of a checkout's hold, whole: that hold's key. Unique with ``seq`` per
    # brand, so the database refuses a second settle of one hold even where no lock orders the two
    # (the ledger's one-statement path); NULL on every other entry, and on settles written before it.
    settles = fields.CharField(max_length=200, null=True)

    class Meta:
        app = "stallkit"
        table = "credit_entry"
        unique_together = (("brand", "idempotency_key", "seq"), ("brand", "settles", "seq"))
        indexes = (
            Index(fields=("credit_id", "id"), name="credit_entry_credit_page"),
            Index(fields=("lot_id",), name="credit_entry_lot_id"),
            Index(fields=("brand_id", "hold_key"), name="credit_entry_hold"),
        )


class EventHold(Model):
    """What one credit has set aside for one pop-up event: the cache of its entries under ``hold_key``.

    ``held_minor`` is the sum of the ``held_minor`` of the credit's entries under the hold key
    ``event:<event id>:<credit id>``, moved in the same transaction as they are (as a lot caches its
    entries). ``cap_minor`` is what the event's tills may take from the credit in all: what is held
    plus what stall sales already redeemed from the hold, and 0 once the hold is released.
    ``updated_at`` moves when the cap does, so a syncing till hears of new and changed caps.
    The event has no foreign key: events sit above credits.
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="credit_event_holds", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    event_id = fields.UUIDField()
    credit: fields.ForeignKeyRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="event_holds", on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID
    cap_minor = fields.BigIntField(default=0)
    held_minor = fields.BigIntField(default=0)
    redeemed_minor = fields.BigIntField(default=0)
    expires_at = fields.DatetimeField(null=True)  # the soonest expiry of the lots the hold draws on
    changes = fields.IntField(default=0)  # how many times the cap was set: numbers the release keys
    updated_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "credit_event_hold"
        unique_together = (("event_id", "credit"),)
        indexes = (
            Index(fields=("brand_id", "event_id", "updated_at"), name="credit_event_hold_event"),
            Index(fields=("credit_id",), name="credit_event_hold_credit_id"),
        )


class StallRedemption(Model):
    """One credit tender of a stall sale, as redeemed at sync: its answer, kept under the caller's key.

    A redemption that found nothing to take writes no ledger entry, so this row is what makes a
    retry answer the same (and what the brand's books say about credit a stall took on trust).
    """

    id = fields.UUIDField(primary_key=True, default=new_id)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="stall_redemptions", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    event_id = fields.UUIDField()
    credit: fields.ForeignKeyNullableRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="stall_redemptions", null=True, on_delete=fields.CASCADE
    )
    credit_id: uuid.UUID | None
    idempotency_key = fields.CharField(max_length=200)
    currency = fields.CharField(max_length=3)
    amount_minor = fields.BigIntField()  # what the stall took
    redeemed_minor = fields.BigIntField()  # what the credit covered
    shortfall_minor = fields.BigIntField()  # the rest, taken on trust
    created_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "credit_stall_redemption"
        unique_together = (("brand", "idempotency_key"),)
        indexes = (
            Index(fields=("brand_id", "event_id", "id"), name="credit_stall_redemption_event"),
            Index(fields=("credit_id",), name="credit_stall_redemption_credit_id"),
        )


class TradeIn(Model):
    """A bag offered for store credit, from the shopper's estimate to the credit (and the bag's listing).

    The id is random (UUIDv4), not time-ordered: it is the shopper's capability, like a cart's.
    ``first_quote`` is the quote as first made, ``quote`` the current one (``valuation.Quote`` as
    JSON); ``quoted_grade`` the condition the quote was first made for, ``grade`` the current one.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "stallkit.Brand", related_name="trade_ins", on_delete=fields.CASCADE
    )
    brand_id: uuid.UUID
    # quoted | received | inspected | accepted | rejected | returned | listed
    status = fields.CharField(max_length=10, default="quoted")
    category = fields.CharField(max_length=40)
    size_class = fields.CharField(max_length=16)
    material = fields.CharField(max_length=80)
    quoted_grade = fields.CharField(max_length=1)
    grade = fields.CharField(max_length=1)
    own_brand = fields.BooleanField()
    product_handle = fields.CharField(max_length=80, null=True)
    description = fields.TextField(default="")
    email = fields.CharField(max_length=254, default="")
    spend_on_new = fields.BooleanField(default=False)
    first_quote: dict[str, object] = fields.JSONField()
    quote: dict[str, object] = fields.JSONField()
    valid_until = fields.DatetimeField()
    credit: fields.ForeignKeyNullableRelation[Credit] = fields.ForeignKeyField(
        "stallkit.Credit", related_name="trade_ins", null=True, on_delete=fields.RESTRICT
    )
    credit_id: uuid.UUID | None
    listed_sku = fields.CharField(max_length=64, null=True)
    received_at = fields.DatetimeField(null=True)
    accepted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "trade_in"
        indexes = (
            Index(fields=("brand_id", "id"), name="trade_in_brand_page"),
            Index(fields=("brand_id", "status", "id"), name="trade_in_queue"),
            Index(fields=("credit_id",), name="trade_in_credit_id"),
        )


class TradeInStep(Model):
    """One step of a trade-in, with who took it and when, and the quote it left (append-only)."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    trade_in: fields.ForeignKeyRelation[TradeIn] = fields.ForeignKeyField(
        "stallkit.TradeIn", related_name="steps", on_delete=fields.CASCADE
    )
    trade_in_id: uuid.UUID
    from_status = fields.CharField(max_length=10, default="")  # empty: the trade-in was started
    to_status = fields.CharField(max_length=10)
    grade = fields.CharField(max_length=1)  # the condition after this step
    actor = fields.CharField(max_length=64)
    at = fields.DatetimeField()
    note = fields.TextField(default="")
    quote: dict[str, object] | None = fields.JSONField(null=True)

    class Meta:
        app = "stallkit"
        table = "trade_in_step"
        indexes = (Index(fields=("trade_in_id", "id"), name="trade_in_step_trade_in"),)


class TradeInPhoto(Model):
    """A photo of a traded-in bag; its bytes are in media storage under ``storage_key`` (ours, never a client's)."""

    id = fields.UUIDField(primary_key=True, default=new_id)
    trade_in: fields.ForeignKeyRelation[TradeIn] = fields.ForeignKeyField(
        "stallkit.TradeIn", related_name="photos", on_delete=fields.CASCADE
    )
    trade_in_id: uuid.UUID
    storage_key = fields.CharField(max_length=120)
    content_type = fields.CharField(max_length=16)
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)  # the same bytes sent again are the same photo
    created_at = fields.DatetimeField()

    class Meta:
        app = "stallkit"
        table = "trade_in_photo"
        unique_together = (("trade_in", "sha256"),)
        indexes = (Index(fields=("trade_in_id", "id"), name="trade_in_photo_trade_in"),)
