"""What a stall return may take back and how its money goes back (pure, no I/O, no clock).

The rules staff and the server both rely on:

- a line comes back at most as many times as it was sold, less what earlier returns of the same
  sale already took (:func:`check_returnable`);
- each unit refunds its share of what the sale was paid, the staff discount spread over the lines
  by value and each line over its units with :func:`storefront.money.allocate`, so returning every
  unit, in any number of returns, refunds exactly the sale's total (:func:`refund_value`);
- a refund in the sale's own tenders is split between them in proportion to what each paid, taken
  cumulatively over the sale's returns (:func:`refund_split`), so no tender ever gets back more
  than it paid and, once everything is back, each got back exactly what it paid. The split is
  a chain of two-way splits (this tender against all that follow): a two-way largest-remainder
  split only ever grows as the amount grows, which a many-way one does not (the Alabama paradox),
  so a later return never takes back from a tender what an earlier one gave it.

A part that paid by store credit goes back as a new credit code (the journal's ``Return.refund``
says: a credit tender there is a code issued), as does the whole refund when the shopper asks for
credit instead of their money.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from popup.till.rules import TillRefusal
from storefront.events.journal import Exchange, Return, ReturnLine, Sale, Tender, decode_payload
from storefront.money import allocate


def sale_of(kind: str, payload: str) -> Sale:
    """The sale an entry carries: a ``sale``'s own, or an ``exchange``'s new sale."""
    decoded = decode_payload(kind, payload)
    if isinstance(decoded, Exchange):
        return decoded.sale
    if not isinstance(decoded, Sale):
        raise TypeError(f"a {kind} entry carries no sale")
    return decoded


def return_of(kind: str, payload: str) -> Return:
    """The return an entry carries: a ``return``'s own, or an ``exchange``'s returned part."""
    decoded = decode_payload(kind, payload)
    if isinstance(decoded, Exchange):
        return decoded.returned
    if not isinstance(decoded, Return):
        raise TypeError(f"a {kind} entry carries no return")
    return decoded


def returned_units(returns: Iterable[Return]) -> Counter[str]:
    """Units of each SKU that earlier returns of one sale took back."""
    counts: Counter[str] = Counter()
    for earlier in returns:
        for line in earlier.lines:
            counts[line.sku] += line.quantity
    return counts


def sold_units(sale: Sale) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in sale.lines:
        counts[line.sku] += line.quantity
    return counts


def returnable(sale: Sale, before: Mapping[str, int]) -> dict[str, int]:
    """Units of each SKU that may still come back: sold, less returned already."""
    return {sku: sold - before.get(sku, 0) for sku, sold in sold_units(sale).items()}


def check_returnable(sale: Sale, before: Mapping[str, int], lines: Sequence[ReturnLine]) -> None:
    """:class:`TillRefusal` (in staff words) unless every line may come back in that quantity."""
    if not lines:
        raise TillRefusal("choose at least one item to take back")
    left = returnable(sale, before)
    wanted: Counter[str] = Counter()
    for line in lines:
        if line.quantity < 1:
            raise TillRefusal(f"{line.sku}: a quantity is at least 1")
        wanted[line.sku] += line.quantity
    for sku, quantity in wanted.items():
        if sku not in left:
            raise TillRefusal(f"{sku} was not sold on receipt {sale.number}")
        if quantity > left[sku]:
            sold = sold_units(sale)[sku]
            raise TillRefusal(
                f"{sku}: only {left[sku]} of the {sold} sold on receipt {sale.number} can still come back"
                if left[sku]
                else f"{sku}: all {sold} sold on receipt {sale.number} have come back already"
            )


def unit_values(sale: Sale) -> dict[str, list[int]]:
    """What each unit of each SKU was paid, in sale order: the discount spread by value, then per unit."""
    subtotals = [line.quantity * line.unit_price for line in sale.lines]
    paid = allocate(sale.total, subtotals) if sum(subtotals) else [0] * len(subtotals)
    units: dict[str, list[int]] = {}
    for line, line_paid in zip(sale.lines, paid, strict=True):
        units.setdefault(line.sku, []).extend(allocate(line_paid, [1] * line.quantity))
    return units


def refund_value(sale: Sale, before: Mapping[str, int], lines: Sequence[ReturnLine]) -> int:
    """What these lines refund, after earlier returns took ``before`` (checked with :func:`check_returnable`)."""
    check_returnable(sale, before, lines)
    units = unit_values(sale)
    taken = dict(before)
    total = 0
    for line in lines:
        start = taken.get(line.sku, 0)
        total += sum(units[line.sku][start : start + line.quantity])
        taken[line.sku] = start + line.quantity
    return total


def _cumulative(amount: int, weights: Sequence[int]) -> list[int]:
    """Of the first ``amount`` refunded, each weight's part: this tender against the rest, in order."""
    parts: list[int] = []
    rest_amount, rest_weight = amount, sum(weights)
    for weight in weights[:-1]:
        part = allocate(rest_amount, [weight, rest_weight - weight])[0] if rest_weight and rest_amount else 0
        parts.append(part)
        rest_amount -= part
        rest_weight -= weight
    parts.append(rest_amount)
    return parts


def refund_split(tenders: Sequence[Tender], refunded_before: int, amount: int) -> list[int]:
    """How much of a refund of ``amount`` each of the sale's ``tenders`` gives back, in their order.

    ``refunded_before`` is what the sale's earlier returns refunded. The refund may not take the
    sale past what its tenders paid.
    """
    paid = [tender.amount for tender in tenders]
    if amount < 0 or refunded_before < 0 or refunded_before + amount > sum(paid):
        raise TillRefusal(f"a refund of {amount} after {refunded_before} is more than the sale was paid ({sum(paid)})")
    after = _cumulative(refunded_before + amount, paid)
    earlier = _cumulative(refunded_before, paid)
    return [a - b for a, b in zip(after, earlier, strict=True)]


def refund_tenders(
    tenders: Sequence[Tender], parts: Sequence[int], *, card_reference: str | None, credit_code: str | None
) -> list[Tender]:
    """The refund as the journal records it: one cash, one card terminal and one new credit tender at most.

    ``card_reference`` is the terminal's refund reference; ``credit_code`` the code minted for
    whatever goes back as credit. Either is refused missing when a part needs it.
    """
    by_kind: dict[str, int] = {}
    for tender, part in zip(tenders, parts, strict=True):
        if part:
            by_kind[tender.kind] = by_kind.get(tender.kind, 0) + part
    refund: list[Tender] = []
    if cash := by_kind.get("cash"):
        refund.append(Tender(kind="cash", amount=cash))
    if card := by_kind.get("card_terminal"):
        if not card_reference:
            raise TillRefusal("refund the card on the terminal first, then give the terminal's refund reference")
        refund.append(Tender(kind="card_terminal", amount=card, reference=card_reference))
    if credit := by_kind.get("credit"):
        refund.append(as_credit(credit, credit_code))
    return refund


def as_credit(amount: int, credit_code: str | None) -> Tender:
    """A refund of ``amount`` onto a new credit code."""
    if credit_code is None:
        raise TillRefusal("a refund as store credit needs a new code")
    return Tender(kind="credit", amount=amount, code=credit_code)


def refunded(returns: Iterable[Return]) -> int:
    """What earlier returns of a sale gave back, whatever the way."""
    return sum(tender.amount for earlier in returns for tender in earlier.refund)


def cash_refunded(returns: Iterable[Return]) -> int:
    """Cash handed back over the counter: what the drawer is short of at cash-up."""
    return sum(tender.amount for earlier in returns for tender in earlier.refund if tender.kind == "cash")
