"""Money as integer minor units plus an ISO 4217 code.

Floats never hold money anywhere in Stallkit. Decimal appears only inside pricing rules and
leaves through :func:`round_minor`, the one rounding rule, so a cent can't drift between
modules. :func:`allocate` splits a total (a discount, a refund) over weights without losing
or inventing a minor unit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

import msgspec

# Currencies whose minor unit is not 1/100. Everything else in ISO 4217 that a microbrand
# realistically prices in uses two decimals.
_EXPONENTS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "XOF": 0,
    "XAF": 0,
    "HUF": 2,
    "TWD": 2,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}

CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, upper case")]
MinorUnits = Annotated[int, msgspec.Meta(ge=0, le=10**12, description="amount in the currency's minor unit")]


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


class Money(msgspec.Struct, frozen=True, kw_only=True):
    """An amount in minor units (cents, pence, yen) and its currency."""

    amount: int
    currency: CurrencyCode

    def __add__(self, other: Money) -> Money:
        _same(self, other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        _same(self, other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def times(self, quantity: int) -> Money:
        return Money(amount=self.amount * quantity, currency=self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=0, currency=currency)


def _same(a: Money, b: Money) -> None:
    if a.currency != b.currency:
        raise CurrencyMismatch(f"cannot combine {a.currency} and {b.currency}")


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit."""
    return _EXPONENTS.get(currency, 2)


def round_minor(value: Decimal) -> int:
    """The one rounding rule: banker's rounding to a whole minor unit."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights`` so the parts sum to ``total``.

    Largest-remainder method: each part gets its floor share, and the leftover units go to the
    parts with the largest remainders (earliest first on ties), so the split is deterministic.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    leftover = magnitude - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return [sign * s for s in shares]


def to_stripe_amount(money: Money) -> int:
    """Stripe's integer amount for a Money.

    Stripe wants minor units, except that for a few zero-decimal-in-practice currencies
    (HUF, TWD) it still expects two decimals but only accepts whole units: those must be
    divisible by 100.
    """
    if money.currency in {"HUF", "TWD"} and money.amount % 100:
        raise ValueError(f"Stripe accepts only whole units of {money.currency}")
    return money.amount
