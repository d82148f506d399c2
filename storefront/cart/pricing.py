"""Cart pricing: pure rules turning lines and fulfilment fees into totals, in integer minor units.

The same function prices a cart when it is shown and an order when it is placed, so the total
a shopper saw is the total they are charged (when nothing changed in between).

- A line costs (variant price + personalisation add-ons) x quantity.
- A look added in one step is a *bundle*: while every one of its lines is still in the cart,
  the bundle earns its discount (basis points of the bundle's subtotal, rounded once with
  :func:`storefront.money.round_minor`), split over its lines by :func:`storefront.money.allocate`
  so the line discounts add up to the bundle's to the minor unit.
- Fulfilment is charged once per group (one courier zone run, one pickup shop): two bags to
  the same address travel in one van.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from decimal import Decimal

import msgspec

from storefront.money import CurrencyMismatch, Money, allocate, round_minor

BASIS_POINTS = 10_000


class LineInput(msgspec.Struct, frozen=True, kw_only=True):
    key: Hashable
    unit_price: int  # variant price plus personalisation, minor units
    quantity: int
    group: Hashable  # the fulfilment group the line travels in
    bundle: Hashable | None = None
    bundle_size: int = 0  # lines the bundle had when it was added
    bundle_discount_bp: int = 0


class LinePrice(msgspec.Struct, frozen=True, kw_only=True):
    subtotal: int
    discount: int

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


class CartPrice(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    lines: dict[Hashable, LinePrice]
    fees: dict[Hashable, int]  # per fulfilment group
    subtotal: int
    fulfilment: int
    discount: int
    total: int

    def money(self, amount: int) -> Money:
        return Money(amount=amount, currency=self.currency)


def bundle_discount(subtotal: int, basis_points: int) -> int:
    return round_minor(Decimal(subtotal) * basis_points / BASIS_POINTS)


def deposit_split(total: int, deposit_bp: int) -> tuple[int, int]:
    """(due now, due when the piece ships) for a made-to-order ``total`` with a ``deposit_bp`` deposit.

    No deposit (0) or all of it (10,000) means nothing is left for later.
    """
    if deposit_bp <= 0 or deposit_bp >= BASIS_POINTS:
        return total, 0
    deposit = round_minor(Decimal(total) * deposit_bp / BASIS_POINTS)
    return deposit, total - deposit


def price_cart(lines: Sequence[LineInput], fees: dict[Hashable, Money], currency: str) -> CartPrice:
    """Totals for ``lines``; ``fees`` gives each fulfilment group's fee (a group with no entry is free)."""
    for fee in fees.values():
        if fee.currency != currency:
            raise CurrencyMismatch(f"a {fee.currency} fee in a {currency} cart")
    subtotals = {line.key: line.unit_price * line.quantity for line in lines}
    discounts: dict[Hashable, int] = dict.fromkeys(subtotals, 0)
    bundles: dict[Hashable, list[LineInput]] = defaultdict(list)
    for line in lines:
        if line.bundle is not None and line.bundle_discount_bp > 0:
            bundles[line.bundle].append(line)
    for members in bundles.values():
        if len(members) != members[0].bundle_size:
            continue  # a line of the look was removed: the look is no longer bought whole
        weights = [subtotals[m.key] for m in members]
        if not sum(weights):
            continue
        off = bundle_discount(sum(weights), members[0].bundle_discount_bp)
        for member, share in zip(members, allocate(off, weights), strict=True):
            discounts[member.key] = share
    groups = {line.group for line in lines}
    group_fees = {group: fees[group].amount for group in groups if group in fees}
    subtotal = sum(subtotals.values())
    discount = sum(discounts.values())
    fulfilment = sum(group_fees.values())
    return CartPrice(
        currency=currency,
        lines={key: LinePrice(subtotal=subtotals[key], discount=discounts[key]) for key in subtotals},
        fees=group_fees,
        subtotal=subtotal,
        fulfilment=fulfilment,
        discount=discount,
        total=subtotal - discount + fulfilment,
    )
