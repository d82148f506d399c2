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

CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$(?!\n)", description="ISO 4217 code, upper case")]
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


# --- Stripe's amounts: the one place for its currency quirks -----------------------------------
#
# Stripe's ``amount`` is an integer in what *Stripe* counts as the currency's minor unit, which is
# not always ISO 4217's (our :func:`exponent`):
#
# - Zero-decimal at Stripe (amount = whole units): BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND
#   VUV XAF XOF XPF. Where our table gives one of these two decimals (MGA is two-decimal in ISO), a
#   Stripe amount is our amount / 100, so only whole units can be charged.
# - ISK: zero-decimal in ISO and here, but Stripe keeps it two-decimal for backwards compatibility
#   (an amount of 500 is 5 krónur) and accepts only multiples of 100: ours times 100.
# - HUF and TWD: two-decimal at Stripe for charges, zero-decimal for payouts. We charge whole units
#   only, so the same amounts can always be refunded and paid out.
# - Three-decimal (BHD JOD KWD OMR TND): the last digit must be 0 (amounts round to ten).
_STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
_STRIPE_TWO_DECIMAL_WHOLE_UNITS = frozenset({"ISK", "HUF", "TWD"})


def stripe_exponent(currency: str) -> int:
    """Decimal places of the unit Stripe counts ``currency``'s amounts in."""
    code = currency.upper()
    if code in _STRIPE_ZERO_DECIMAL:
        return 0
    if code in _STRIPE_TWO_DECIMAL_WHOLE_UNITS:
        return 2
    return exponent(code)


def to_stripe_amount(money: Money) -> int:
    """Stripe's integer ``amount`` for a Money; ``ValueError`` if Stripe cannot take it exactly.

    Never rounds: an amount Stripe would refuse (a fraction of a forint, a last fils digit) is a
    pricing problem for the caller to settle before asking for payment.
    """
    code = money.currency
    shift = stripe_exponent(code) - exponent(code)
    amount: int  # typeshed types int ** int as Any (a negative power gives a float)
    if shift >= 0:
        amount = money.amount * 10**shift
    else:
        scale = 10**-shift
        if money.amount % scale:
            raise ValueError(f"Stripe accepts only whole units of {code}")
        amount = money.amount // scale
    if code in _STRIPE_TWO_DECIMAL_WHOLE_UNITS and amount % 100:
        raise ValueError(f"Stripe accepts only whole units of {code}")
    if stripe_exponent(code) == 3 and amount % 10:
        raise ValueError(f"Stripe accepts {code} amounts only in multiples of 10 (the last digit must be 0)")
    return amount


def from_stripe_amount(amount: int, currency: str) -> Money:
    """The Money for Stripe's ``amount`` in ``currency`` (Stripe's lower-case code is accepted).

    Inverse of :func:`to_stripe_amount`. Should Stripe ever report a fraction our minor unit
    cannot hold (a legacy ISK amount), it is rounded by :func:`round_minor`, the one rule.
    """
    code = currency.upper()
    shift = stripe_exponent(code) - exponent(code)
    if shift <= 0:
        return Money(amount=amount * 10**-shift, currency=code)
    return Money(amount=round_minor(Decimal(amount).scaleb(-shift)), currency=code)


def display(value: Money, locale: str = "en_GB") -> str:
    """``Money(12500, "GBP")`` -> ``£125.00`` (en_GB), ``125,00 €`` (fr_FR): money as people read it (Babel).

    The one formatter: components' filters, the credit slip, the event report and the till call it.
    """
    from babel.numbers import format_currency  # only where money is shown to people

    return format_currency(Decimal(value.amount).scaleb(-exponent(value.currency)), value.currency, locale=locale)
