"""How a refund divides between the store credit and the card that paid an order: in proportion, exactly.

An order paid partly by credit refunds in the same proportion as it was paid. Each return's share
is the difference of two cumulative shares (of everything refunded before it, and including it),
each taken with :func:`storefront.money.allocate`, so however an order is returned, in however
many returns, the credit gets back exactly what it paid once everything is returned, and no
return ever gives a tender more than its share. Pure: no I/O.
"""

from __future__ import annotations

import msgspec

from storefront.money import allocate


class TenderSplit(msgspec.Struct, frozen=True, kw_only=True):
    credit: int  # back onto the store credit that paid
    card: int  # back to the card (or, when the shopper chooses, onto a new store credit)
    credit_offset: int  # refunded to credit by the order's earlier returns
    card_offset: int  # refunded as the card's share by the order's earlier returns


def credit_share(refunded: int, credit_paid: int, total: int) -> int:
    """Of the first ``refunded`` minor units refunded on an order of ``total``, the credit's part."""
    if refunded <= 0 or credit_paid <= 0:
        return 0
    if credit_paid >= total:
        return refunded
    return allocate(refunded, [credit_paid, total - credit_paid])[0]


def split_refund(amount: int, offset: int, credit_paid: int, total: int) -> TenderSplit:
    """A refund of ``amount`` after ``offset`` refunded before, on an order of ``total`` (``credit_paid`` by credit)."""
    before = credit_share(offset, credit_paid, total)
    after = credit_share(offset + amount, credit_paid, total)
    return TenderSplit(
        credit=after - before, card=amount - (after - before), credit_offset=before, card_offset=offset - before
    )
