"""The report's arithmetic and the close's give-back, pure: whatever the journal, the figures agree with each other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from popup.store.entries import canonical_json
from storefront.events import journal as j
from storefront.events.closing import give_back
from storefront.events.report_rules import Figures, ReceivedEntry, figures

T0 = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
A, B = uuid.UUID(int=1), uuid.UUID(int=2)
W1, W2 = uuid.UUID(int=10), uuid.UUID(int=11)


def test_give_back_returns_latest_allocations_first_and_never_more_than_sent() -> None:
    assert give_back(5, [(W1, 4), (W2, 3)]) == [(W2, 3), (W1, 2)]
    assert give_back(0, [(W1, 4)]) == []
    assert give_back(-3, [(W1, 4)]) == []
    assert give_back(9, [(W1, 4), (W2, 3)]) == [(W2, 3), (W1, 6)]  # a stray unit goes to the first source


def _sale(n: int, total: int, kind: str) -> j.Sale:
    tender = j.Tender(kind=kind, amount=total, reference="T1" if kind == "card_terminal" else None)  # type: ignore[arg-type]
    return j.Sale(
        number=f"7K3MQ9-{n:05d}", currency="GBP", lines=[j.SaleLine(sku="S", quantity=1, unit_price=total)],
        subtotal=total, total=total, tenders=[tender], change=0, staff="Ada",
    )  # fmt: skip


actions = st.lists(
    st.tuples(st.sampled_from([A, B]), st.sampled_from(["sale", "void", "return"]), st.integers(1, 50_000),
              st.sampled_from(["cash", "card_terminal"]), st.integers(-72, 72)),
    max_size=40,
)  # fmt: skip


def report(entries: list[ReceivedEntry]) -> Figures:
    return figures(
        entries, currency="GBP", timezone="Europe/London", allocation={"S": 10}, remaining={}, device_names={}
    )


@given(actions)
def test_net_is_the_devices_sum_and_the_payment_mix_and_clock_skew_changes_nothing(plan: list[tuple]) -> None:  # type: ignore[type-arg]
    entries: list[ReceivedEntry] = []
    seqs = {A: 0, B: 0}
    sales: dict[uuid.UUID, list[tuple[uuid.UUID, j.Sale]]] = {A: [], B: []}
    for n, (device, kind, amount, tender, skew) in enumerate(plan, start=1):
        payload: object
        if kind == "sale" or not sales[device]:
            payload = _sale(n, amount, tender)
            entry_id = uuid.uuid4()
            sales[device].append((entry_id, payload))
            kind = "sale"
        elif kind == "void":
            entry_id, _ = sales[device][-1]
            payload = j.Void(sale=entry_id, reason="mistake", staff="Ada")
            entry_id = uuid.uuid4()
        else:
            sold_id, sold = sales[device][0]
            payload = j.Return(
                sale=sold_id, number=f"7K3MQ9-{n:05d}", currency="GBP", lines=[j.ReturnLine(sku="S", quantity=1)],
                refund=[j.Tender(kind="cash", amount=min(amount, sold.total))], reason="changed mind", staff="Ada",
            )  # fmt: skip
            entry_id = uuid.uuid4()
        seqs[device] += 1
        entries.append(
            ReceivedEntry(entry_id, device, seqs[device], T0 + timedelta(hours=skew), kind, canonical_json(payload),
                          "applied", False)
        )  # fmt: skip
    got = figures(
        entries, currency="GBP", timezone="Europe/London", allocation={"S": 10}, remaining={}, device_names={}
    )
    totals = got.totals
    assert totals.net == sum(d.amount for d in got.devices)
    assert totals.net == sum(t.paid - t.refunded for t in got.payment_mix)
    assert totals.sales == sum(h.sales for h in got.by_hour) == sum(d.sales for d in got.devices)
    # the clock decides only which hour a sale is drawn in
    steady = [ReceivedEntry(e.id, e.device_id, e.seq, T0, e.kind, e.payload, e.status, e.late) for e in entries]
    same = figures(
        steady, currency="GBP", timezone="Europe/London", allocation={"S": 10}, remaining={}, device_names={}
    )
    assert (same.totals, same.payment_mix, same.stock, same.devices) == (
        got.totals,
        got.payment_mix,
        got.stock,
        got.devices,
    )


def _received(seq: int, kind: str, payload: object, status: str = "applied") -> ReceivedEntry:
    return ReceivedEntry(
        id=uuid.uuid4(), device_id=A, seq=seq, occurred_at=T0 + timedelta(minutes=seq), kind=kind,
        payload=canonical_json(payload), status=status, late=False,
    )  # fmt: skip


def _cash_up(expected: int) -> j.CashUp:
    return j.CashUp(currency="GBP", opening_float=2_000, expected=expected, counted=expected, staff="Ada")


def test_a_drawer_the_storefront_sees_differently_is_itemised_entry_by_entry() -> None:
    # The till kept 1 000 + 2 500 + 700 cash on a 2 000 float. Entries 2-3 never arrived and entry 4
    # reached the storefront but was not applied: the storefront expects 3 000, the till 6 200.
    entries = [
        _received(1, "sale", _sale(1, 1_000, "cash")),
        _received(4, "sale", _sale(4, 700, "cash"), status="conflict"),
        _received(5, "cash_up", _cash_up(2_000 + 1_000 + 2_500 + 700)),
        _received(6, "sale", _sale(6, 400, "cash")),
        _received(7, "cash_up", _cash_up(2_000 + 400)),
    ]
    [device] = report(entries).devices
    first, second = device.cash_ups
    assert (first.till_expected, first.server_expected, first.unexplained) == (6_200, 3_000, -3_200)
    assert [(i.kind, i.seq_from, i.seq_to, i.cash) for i in first.items] == [
        ("missing", 2, 3, None), ("conflict", 4, 4, 700),
    ]  # fmt: skip
    # 700 of the 3 200 is the refused sale; the 2 500 is what the missing entries must hold.
    assert second.unexplained == 0 and second.items == []  # the next day's drawer agrees: nothing to explain
