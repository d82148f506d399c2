"""The event report's arithmetic, from the stall journals as received (pure, no I/O, no clock).

The report answers what a stall owner asks after a market: what sold, when, how it was paid, what
is left, what came in as trade-ins, what went wrong, and whether each till's drawer matches. It is
computed from the entries the storefront received (their payloads are what the tills recorded and
showed), so it says what happened at the stall even where the catalogue has moved on since.

Per device, the server computes the cash the drawer should hold from that device's entries (the
opening float the till declared at cash-up, plus cash kept by sales, less cash handed back) and
sets it beside the till's own expectation and the count: when the till and the server agree, the
totals match to the penny; when they do not (``unexplained = server_expected - till_expected``),
the difference is itemised (:class:`CashItem`): the period's entries that never reached the
storefront, and those it holds but did not apply, with the cash the till counted for each.

Hours are the event's local hours of the device's ``occurred_at``: a till whose clock is wrong
puts its sales in the wrong hour of the chart, and nowhere else (order and totals never use time).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from storefront.events.journal import CashUp, Collect, Exchange, Return, Sale, Tender, TradeIn, Void, decode_payload


@dataclass(frozen=True)
class ReceivedEntry:
    """An entry the storefront holds, as the report reads it."""

    id: uuid.UUID
    device_id: uuid.UUID
    seq: int
    occurred_at: datetime
    kind: str
    payload: str
    status: str  # applied | conflict
    late: bool


class HourFigure(msgspec.Struct, frozen=True, kw_only=True):
    hour: str  # local ``YYYY-MM-DDTHH:00`` in the event's timezone
    sales: int
    amount: int


class TenderFigure(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    paid: int
    refunded: int
    count: int


class StockFigure(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    allocated: int
    sold: int
    returned: int  # brought back to the stall and put back on sale
    # On hand at the stall now, as the stock ledger has it (negative: sold past the allocation); units
    # reserved online left it when their order was paid, and ``collected`` counts those handed over.
    remaining: int
    collected: int = 0


class CashItem(msgspec.Struct, frozen=True, kw_only=True):
    """One reason the storefront's expectation of a drawer differs from the till's.

    ``missing``: entries ``seq_from``..``seq_to`` of the period never reached the storefront (their
    cash is unknown here until they sync). ``conflict``: an entry the storefront holds but did not
    apply; ``cash`` is what the till counted for it (kept, or handed back when negative).
    """

    kind: Literal["missing", "conflict"]
    seq_from: int
    seq_to: int
    cash: int | None
    detail: str


class CashFigure(msgspec.Struct, frozen=True, kw_only=True):
    opening_float: int
    till_expected: int
    server_expected: int
    counted: int
    difference: int  # counted - till_expected: what the drawer is over (+) or short (-)
    unexplained: int  # server_expected - till_expected: 0 when the till and the storefront agree
    items: list[CashItem] = []  # what accounts for ``unexplained``, entry by entry


class DeviceFigure(msgspec.Struct, frozen=True, kw_only=True):
    device_id: uuid.UUID
    name: str
    sales: int
    amount: int  # sales less refunds, as the server holds them
    cash_ups: list[CashFigure]  # one per cash-up the device sent, in its order


class TradeInFigure(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    credit_issued: int


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    sales: int
    voided: int
    gross: int  # sales' subtotals
    discounts: int
    refunds: int
    net: int  # gross - discounts - refunds


class Figures(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    totals: Totals
    by_hour: list[HourFigure]
    payment_mix: list[TenderFigure]
    stock: list[StockFigure]
    trade_ins: TradeInFigure
    devices: list[DeviceFigure]
    late_entries: int
    conflict_entries: int


@dataclass
class _Device:
    """A device's running figures; cash is counted since its last cash-up, in sequence order."""

    sales: int = 0
    amount: int = 0
    cash_in_drawer: int = 0
    cash_ups: list[CashFigure] = field(default_factory=list)
    last_seq: int = 0  # the highest sequence number received so far, whatever its status
    items: list[CashItem] = field(default_factory=list)  # since the last cash-up

    def received(self, entry: ReceivedEntry) -> None:
        """Note a gap before ``entry`` and, for an entry not applied, the cash the till counted for it."""
        if entry.seq > self.last_seq + 1:
            self.items.append(
                CashItem(
                    kind="missing", seq_from=self.last_seq + 1, seq_to=entry.seq - 1, cash=None,
                    detail="never reached the storefront",
                )
            )  # fmt: skip
        self.last_seq = max(self.last_seq, entry.seq)
        if entry.status == "conflict":
            self.items.append(
                CashItem(
                    kind="conflict", seq_from=entry.seq, seq_to=entry.seq, cash=_till_cash(entry),
                    detail=f"{entry.kind} not applied at sync",
                )
            )  # fmt: skip

    def cash_up(self, up: CashUp) -> None:
        server = up.opening_float + self.cash_in_drawer
        self.cash_ups.append(
            CashFigure(
                opening_float=up.opening_float,
                till_expected=up.expected,
                server_expected=server,
                counted=up.counted,
                difference=up.counted - up.expected,
                unexplained=server - up.expected,
                items=self.items if server != up.expected else [],
            )
        )
        self.cash_in_drawer = 0
        self.items = []


def _cash(tenders: Iterable[Tender]) -> int:
    return sum(t.amount for t in tenders if t.kind == "cash")


def _till_cash(entry: ReceivedEntry) -> int | None:
    """The cash an entry moved in the till's drawer, by its payload; None where it cannot be read or told."""
    try:
        payload = decode_payload(entry.kind, entry.payload)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    if isinstance(payload, Sale):
        return _cash(payload.tenders)
    if isinstance(payload, Return):
        return -_cash(payload.refund)
    if isinstance(payload, Exchange):
        return _cash(payload.sale.tenders) - _cash(payload.returned.refund)
    if isinstance(payload, Void):
        return None  # the voided sale's cash: the storefront may not hold that sale either
    return 0


def figures(
    entries: Sequence[ReceivedEntry],
    *,
    currency: str,
    timezone: str,
    allocation: Mapping[str, int],
    remaining: Mapping[str, int],
    device_names: Mapping[uuid.UUID, str],
) -> Figures:
    """Everything the report shows, from the received entries in (device, seq) order."""
    zone = ZoneInfo(timezone)
    ordered = sorted(entries, key=lambda e: (str(e.device_id), e.seq))
    sales: dict[uuid.UUID, tuple[ReceivedEntry, Sale]] = {}
    voided: set[uuid.UUID] = set()
    trade_ins: list[TradeIn] = []
    devices: dict[uuid.UUID, _Device] = defaultdict(_Device)
    mix: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    sold: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    collected: Counter[str] = Counter()
    refunds = 0

    def take_back(device: _Device, back: Return) -> None:
        nonlocal refunds
        refund = sum(t.amount for t in back.refund)
        refunds += refund
        device.amount -= refund
        device.cash_in_drawer -= _cash(back.refund)
        for tender in back.refund:
            mix[tender.kind][1] += tender.amount
        for line in back.lines:
            sold[line.sku] -= line.quantity
            if line.restock:
                returned[line.sku] += line.quantity

    def sell(entry: ReceivedEntry, device: _Device, sale: Sale) -> None:
        sales[entry.id] = (entry, sale)
        device.sales += 1
        device.amount += sale.total
        device.cash_in_drawer += _cash(sale.tenders)

    for entry in ordered:
        device = devices[entry.device_id]
        device.received(entry)
        if entry.status != "applied":
            continue
        payload = decode_payload(entry.kind, entry.payload)
        if isinstance(payload, Sale):
            sell(entry, device, payload)
        elif isinstance(payload, Exchange):
            take_back(device, payload.returned)
            sell(entry, device, payload.sale)
        elif isinstance(payload, Return):
            take_back(device, payload)
        elif isinstance(payload, Void) and payload.sale in sales and payload.sale not in voided:
            voided.add(payload.sale)
            _, undone = sales[payload.sale]
            device.sales -= 1
            device.amount -= undone.total
            device.cash_in_drawer -= _cash(undone.tenders)
        elif isinstance(payload, TradeIn):
            trade_ins.append(payload)
        elif isinstance(payload, CashUp):
            device.cash_up(payload)
        elif isinstance(payload, Collect):
            for handed in payload.lines:
                collected[handed.sku] += handed.quantity

    hours: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gross = discounts = 0
    for entry_id, (entry, sale) in sales.items():
        if entry_id in voided:
            continue
        gross += sale.subtotal
        discounts += sale.discount.amount if sale.discount else 0
        hour = entry.occurred_at.astimezone(zone).strftime("%Y-%m-%dT%H:00")
        hours[hour][0] += 1
        hours[hour][1] += sale.total
        for tender in sale.tenders:
            mix[tender.kind][0] += tender.amount
            mix[tender.kind][2] += 1
        for line in sale.lines:
            sold[line.sku] += line.quantity

    skus = sorted(set(allocation) | set(sold) | set(remaining) | set(collected))
    return Figures(
        currency=currency,
        totals=Totals(
            sales=len(sales) - len(voided),
            voided=len(voided),
            gross=gross,
            discounts=discounts,
            refunds=refunds,
            net=gross - discounts - refunds,
        ),
        by_hour=[HourFigure(hour=h, sales=n, amount=a) for h, (n, a) in sorted(hours.items())],
        payment_mix=[TenderFigure(kind=k, paid=p, refunded=r, count=c) for k, (p, r, c) in sorted(mix.items())],
        stock=[
            StockFigure(
                sku=sku,
                allocated=allocation.get(sku, 0),
                sold=sold[sku],
                returned=returned[sku],
                remaining=remaining.get(sku, 0),
                collected=collected[sku],
            )
            for sku in skus
        ],
        trade_ins=TradeInFigure(count=len(trade_ins), credit_issued=sum(t.amount for t in trade_ins)),
        devices=[
            DeviceFigure(
                device_id=device_id,
                name=device_names.get(device_id, ""),
                sales=d.sales,
                amount=d.amount,
                cash_ups=d.cash_ups,
            )
            for device_id, d in sorted(devices.items(), key=lambda item: device_names.get(item[0], str(item[0])))
        ],
        late_entries=sum(1 for e in entries if e.late),
        conflict_entries=sum(1 for e in entries if e.status == "conflict"),
    )
