"""Store credit on a cart: apply a code, take it off, and what each applied credit pays as the cart stands.

Applying holds nothing (as adding a line holds no stock): the credit may still be spent elsewhere
until checkout holds it under its lock, so what a credit pays is worked out on every read, in the
order the codes were applied, each up to what is still due, and checkout holds the same amounts
or, if a credit was spent meanwhile, what it has left (the card pays the rest).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tortoise.transactions import in_transaction

from storefront.cart.models import Cart, CartCredit
from storefront.cart.schemas import AppliedCreditOut
from storefront.credits import Credit
from storefront.credits import service as credits
from storefront.errors import Conflict, FieldError, InvalidInput, NotFound
from storefront.money import Money

MAX_CREDITS = 5


class CreditSpent(Conflict):
    code = "credit_spent"
    title = "Nothing left on this credit"


def split(due: int, spendable: list[int]) -> list[int]:
    """What each credit pays, credits in the order applied: each as much as it can of what is still due."""
    parts = []
    for available in spendable:
        part = max(0, min(available, due))
        parts.append(part)
        due -= part
    return parts


async def applied(cart_id: uuid.UUID) -> list[Credit]:
    """The cart's credits in the order applied: one query (a join)."""
    rows = await CartCredit.filter(cart_id=cart_id).order_by("created_at", "id").select_related("credit")
    return [row.credit for row in rows]


async def applied_ids(cart_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the cart's credits in the order applied, when nothing else of them is wanted."""
    rows = await CartCredit.filter(cart_id=cart_id).order_by("created_at", "id").values_list("credit_id", flat=True)
    return [row if isinstance(row, uuid.UUID) else uuid.UUID(str(row)) for row in rows]


async def credits_out(cart: Cart, due: int, now: datetime) -> list[AppliedCreditOut]:
    """The cart's credits with what each pays of ``due`` now and what each could pay in all."""
    chosen = await applied(cart.id)
    if not chosen:
        return []
    left = await credits.spendable([c.id for c in chosen], now)
    parts = split(due, [left[c.id].amount for c in chosen])
    return [
        AppliedCreditOut(
            id=credit.id,
            hint=credit.code_hint,
            applies=Money(amount=part, currency=cart.currency),
            balance=Money(amount=left[credit.id].amount, currency=cart.currency),
            expires_at=left[credit.id].expires_at,
        )
        for credit, part in zip(chosen, parts, strict=True)
    ]


async def _locked_open_cart(brand_id: uuid.UUID, cart_id: uuid.UUID) -> Cart:
    cart = await Cart.filter(id=cart_id, brand_id=brand_id).select_for_update().first()
    if cart is None:
        raise NotFound("no such cart", errors=[FieldError("path.cart_id", "no such cart")])
    if cart.status != "open":
        raise Conflict("this cart has been checked out; start a new cart", errors=[])
    return cart


async def apply_code(brand_id: uuid.UUID, cart_id: uuid.UUID, code: str, *, code_key: bytes, now: datetime) -> Cart:
    """Apply a credit to the cart; applying one already on it changes nothing (a retry is harmless)."""
    credit = await credits.credit_by_code(brand_id, code, code_key, field="body.code")
    async with in_transaction():
        cart = await _locked_open_cart(brand_id, cart_id)
        on_cart = await applied_ids(cart.id)  # one read answers both: already applied, and how many are
        if credit.id in on_cart:
            return cart
        if credit.currency != cart.currency:
            raise InvalidInput(
                f"this credit is in {credit.currency} and the cart in {cart.currency}",
                errors=[FieldError("body.code", f"a {credit.currency} credit")],
            )
        if len(on_cart) >= MAX_CREDITS:
            raise InvalidInput(
                f"a cart takes at most {MAX_CREDITS} credits",
                errors=[FieldError("body.code", f"at most {MAX_CREDITS} credits per cart")],
            )
        if (await credits.spendable([credit.id], now))[credit.id].amount == 0:
            raise CreditSpent(
                "this credit has nothing left to spend (it was spent, is held by another checkout, or has expired)",
                errors=[FieldError("body.code", "nothing left to spend")],
            )
        await CartCredit.create(cart_id=cart.id, credit_id=credit.id)
    return cart


async def remove_code(brand_id: uuid.UUID, cart_id: uuid.UUID, ref: str, *, code_key: bytes) -> Cart:
    """Take a credit off the cart, named by the code itself or by the id the cart shows for it."""
    async with in_transaction():
        cart = await _locked_open_cart(brand_id, cart_id)
        rows = await CartCredit.filter(cart_id=cart.id).prefetch_related("credit")
        try:
            wanted = uuid.UUID(ref)
            row = next((r for r in rows if r.credit_id == wanted), None)
        except ValueError:
            credit = await credits.credit_by_code(brand_id, ref, code_key)
            row = next((r for r in rows if r.credit_id == credit.id), None)
        if row is None:
            raise NotFound("this credit is not on the cart", errors=[FieldError("path.code", "not applied")])
        await row.delete()
    return cart
