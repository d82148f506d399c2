"""The till's arithmetic: totals, discounts, tenders and change, cash-up (pure, no I/O, no clock).

A sale at a stall is priced from the pack (the event price of each SKU), may carry one staff
discount with a reason, and is paid by any mix of cash, the stall's card terminal and store
credit. The rules staff expect from a till, and that the server relies on when the sale arrives:

- credit and card pay at most what is still due (neither gives change);
- tenders are taken in the order given, so "credit first, the rest in cash" reads as it is typed;
- cash may be more than what is due: the difference is the change, handed back;
- a sale is complete only when its tenders cover the total exactly (after change);
- a credit code pays at most what the pack lets this till take offline for it, less what the
  till already took from it.

Every amount is integer minor units of the brand's currency. The result is the
:class:`storefront.events.journal.Sale` the journal records, so what the screen showed is what
syncs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storefront.events.journal import Discount, Sale, SaleLine, Tender


class TillRefusal(ValueError):
    """A sale the till will not complete; the message says what to change, in words staff use."""


@dataclass(frozen=True)
class Asked:
    """A tender as staff entered it: for cash, ``amount`` is what the shopper handed over."""

    kind: str
    amount: int
    reference: str | None = None
    code: str | None = None


def receipt_number(mark: str, n: int) -> str:
    """``7K3MQ9-00017``: the device's mark and its running number, so two tills never clash."""
    if n < 1:
        raise TillRefusal("receipt numbers start at 1")
    return f"{mark}-{n:05d}"


def priced_lines(wanted: Sequence[tuple[str, int]], prices: Mapping[str, int]) -> list[SaleLine]:
    """Lines at the pack's prices; the same SKU twice becomes one line."""
    quantities: dict[str, int] = {}
    for sku, quantity in wanted:
        if quantity < 1:
            raise TillRefusal(f"{sku}: a quantity is at least 1")
        if sku not in prices:
            raise TillRefusal(f"{sku} is not in this event's pack")
        quantities[sku] = quantities.get(sku, 0) + quantity
    if not quantities:
        raise TillRefusal("add at least one product to the sale")
    return [SaleLine(sku=sku, quantity=q, unit_price=prices[sku]) for sku, q in quantities.items()]


def settle(total: int, asked: Sequence[Asked], credit_left: Mapping[str, int]) -> tuple[list[Tender], int]:
    """The tenders kept and the change, or :class:`TillRefusal` when they do not pay ``total``.

    ``credit_left`` maps a normalised code to what this till may still take from it offline.
    """
    due = total
    kept: list[Tender] = []
    change = 0
    for index, tender in enumerate(asked):
        if tender.amount <= 0:
            raise TillRefusal(f"a {tender.kind.replace('_', ' ')} payment must be more than zero")
        if due == 0:
            raise TillRefusal("the sale is already paid: remove the extra payment")
        if tender.kind == "cash":
            paid = min(tender.amount, due)
            change = tender.amount - paid
            kept.append(Tender(kind="cash", amount=paid, tendered=tender.amount))
        elif tender.kind == "card_terminal":
            if tender.amount > due:
                raise TillRefusal(f"the card pays at most what is due ({due}); the terminal gives no change")
            if not tender.reference:
                raise TillRefusal("give the card terminal's receipt reference")
            paid = tender.amount
            kept.append(Tender(kind="card_terminal", amount=paid, reference=tender.reference))
        elif tender.kind == "credit":
            if tender.code is None or tender.code not in credit_left:
                raise TillRefusal("this credit code cannot be taken at the stall (unknown here, or not offline)")
            paid = min(tender.amount, due)
            if paid > credit_left[tender.code]:
                raise TillRefusal(f"this credit can pay at most {credit_left[tender.code]} at the stall")
            kept.append(Tender(kind="credit", amount=paid, code=tender.code))
        else:
            raise TillRefusal(f"unknown payment kind {tender.kind!r}: cash, card_terminal or credit")
        due -= paid
        if change and index != len(asked) - 1:
            raise TillRefusal("cash with change must be the last payment")
    if due:
        raise TillRefusal(f"still {due} to pay")
    return kept, change


def sale(
    *,
    number: str,
    currency: str,
    lines: list[SaleLine],
    asked: Sequence[Asked],
    credit_left: Mapping[str, int],
    staff: str,
    discount: Discount | None = None,
    email: str | None = None,
) -> Sale:
    """The complete sale, priced, discounted and settled; :class:`TillRefusal` if it cannot be."""
    subtotal = sum(line.quantity * line.unit_price for line in lines)
    if discount is not None and discount.amount > subtotal:
        raise TillRefusal(f"a discount of {discount.amount} is more than the sale ({subtotal})")
    total = subtotal - (discount.amount if discount else 0)
    if total == 0:
        raise TillRefusal("a sale of nothing to pay is not a sale: lower the discount")
    tenders, change = settle(total, asked, credit_left)
    return Sale(
        number=number,
        currency=currency,
        lines=lines,
        discount=discount,
        subtotal=subtotal,
        total=total,
        tenders=tenders,
        change=change,
        staff=staff,
        email=email,
    )


def cash_expected(opening_float: int, sales: Sequence[Sale], cash_refunded: int = 0) -> int:
    """What the drawer should hold: the float, plus cash kept by sales, less cash handed back."""
    kept = sum(t.amount for s in sales for t in s.tenders if t.kind == "cash")
    return opening_float + kept - cash_refunded
