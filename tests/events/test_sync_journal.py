"""A whole stall day's journal at sync: sent ten times, split or concurrently, it ends exactly as sent once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from storefront.events import EventEntry, EventFlag
from storefront.events import journal as j
from storefront.orders import Order
from tests.conftest import MakeBrand
from tests.events.helpers import level
from tests.events.sync_kit import Stall, Till, balance, open_stall, send, snapshot, statuses, synced

Client = httpx.AsyncClient


def day(stall: Stall) -> tuple[list[dict[str, Any]], str, str]:
    """Every kind of entry, depending on each other in seq order: answers the journal and two credit codes."""
    till, sku = stall.till, stall.shop.other_sku
    traded = till.code()
    refund_code = till.code()
    first = till.sale([(sku, 2, 10_000)], discount=500)
    trade = till.trade_in(6_000, traded)
    on_credit = till.sale(
        [(sku, 1, 10_000)],
        tenders=[
            j.Tender(kind="credit", amount=4_000, code=traded),
            j.Tender(kind="cash", amount=6_000, tendered=6_000),
        ],
    )
    returned = till.entry(
        "return",
        j.Return(
            sale=uuid.UUID(first["id"]), number=till.number(), currency="GBP",
            lines=[j.ReturnLine(sku=sku, quantity=1, restock=True)],
            refund=[j.Tender(kind="credit", amount=4_750, code=refund_code)], reason="too small", staff="Ada",
        ),
    )  # fmt: skip
    voided = till.entry("void", j.Void(sale=uuid.UUID(on_credit["id"]), reason="card declined", staff="Ada"))
    counted = till.entry(
        "stock_count", j.StockCount(lines=[j.StockCountLine(sku=sku, expected=3, counted=2)], staff="Bo", note="eod")
    )
    cash = till.entry(
        "cash_up", j.CashUp(currency="GBP", opening_float=5_000, expected=11_000, counted=10_900, staff="Bo")
    )
    return [first, trade, on_credit, returned, voided, counted, cash], traded, refund_code


async def test_the_day_applies_in_seq_order_through_every_ledger(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=4)
    journal, traded, refund_code = day(stall)
    answer = await synced(client, stall, journal)
    assert statuses(answer) == ["applied"] * 7, answer
    assert answer["acked_seq"] == 7
    brand_id = stall.shop.brand.brand.id
    # the trade-in's code works online, less what the later sale redeemed, plus what the void gave back
    assert await balance(brand_id, traded) == 6_000
    assert await balance(brand_id, refund_code) == 4_750
    first = await Order.get(number=f"{stall.till.mark}-00001")
    assert (first.status, first.refunded_minor) == ("fulfilled", 4_750)
    voided = await Order.get(number=f"{stall.till.mark}-00003")
    assert (voided.status, voided.credit_minor, voided.refunded_minor) == ("cancelled", 4_000, 10_000)
    # 4 allocated, 2 + 1 sold, 1 back by the return, 1 by the void: 3; then counted 2
    assert await level(client, stall.shop, stall.shop.other_sku, stall.location) == (2, 0)
    kinds = set(await EventFlag.filter(event_id=stall.event["id"]).values_list("kind", flat=True))
    assert kinds == {"cash_difference"}


async def test_the_day_sent_ten_times_in_any_split_ends_as_once(client: Client, make_brand: MakeBrand) -> None:
    once = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(once)
    await synced(client, once, journal)
    expected = await snapshot(once)

    stall = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(stall)
    for n in range(10):
        split = 1 + n % 4
        for start in range(0, len(journal), split):
            answer = await synced(client, stall, journal[start : start + split])
            assert answer["acked_seq"] >= min(start + split, len(journal))
    after = await snapshot(stall)
    assert shape(after, stall) == shape(expected, once)
    again = await synced(client, stall, journal)
    assert statuses(again) == ["duplicate"] * 7


def shape(snap: dict[str, Any], stall: Stall) -> dict[str, Any]:
    """A snapshot without what differs between two stalls by construction (ids, numbers' marks)."""
    mark = stall.till.mark
    return {
        "orders": [(n.replace(mark, "M"), *rest) for n, *rest in snap["orders"] if n.startswith(mark)],
        "levels": sorted((on_hand, reserved, q) for _, _, on_hand, reserved, q in snap["levels"]),
        "entries": sorted((seq, status, late, order is not None) for _, seq, status, _, late, order in snap["entries"]),
        "flags": sorted(kind for kind, _, _ in snap["flags"]),
        "tenders": sorted((d, k, a) for _, d, k, a in snap["tenders"]),
        "credits": sorted(status for _, status in snap["credits"]),
        "balances": snap["balances"],
    }


async def test_two_senders_of_the_same_batch_end_as_one(client: Client, make_brand: MakeBrand) -> None:
    once = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(once)
    await synced(client, once, journal)
    expected = await snapshot(once)

    stall = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(stall)
    first, second = await asyncio.gather(send(client, stall, journal), send(client, stall, journal))
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    for a, b in zip(first.json()["results"], second.json()["results"], strict=True):
        assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"]
    assert shape(await snapshot(stall), stall) == shape(expected, once)


async def test_gaps_are_reported_and_filled(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=9)
    till, sku = stall.till, stall.shop.other_sku
    sales = [till.sale([(sku, 1, 1_000)]) for _ in range(7)]
    answer = await synced(client, stall, [sales[0], sales[1], sales[4], sales[6]])
    assert answer["acked_seq"] == 2 and answer["gaps"] == [[3, 4], [6, 6]]
    answer = await synced(client, stall, [sales[3], sales[2]])  # out of order within the batch
    assert statuses(answer) == ["applied", "applied"]
    assert answer["acked_seq"] == 5 and answer["gaps"] == [[6, 6]]
    answer = await synced(client, stall, [sales[5]])
    assert answer["acked_seq"] == 7 and answer["gaps"] == []


async def test_device_clocks_48_hours_off_change_nothing(client: Client, make_brand: MakeBrand) -> None:
    from datetime import timedelta

    outcomes = []
    for skew in (timedelta(hours=-48), timedelta(0), timedelta(hours=48)):
        stall = await open_stall(client, make_brand, units=2)
        till = stall.till
        till.skew = skew
        sale = till.sale([(stall.shop.other_sku, 1, 5_000)])
        # the void's clock reads before its sale's: order is by seq, never by clock
        void = till.entry(
            "void", j.Void(sale=uuid.UUID(sale["id"]), reason="changed mind", staff="Ada"),
            occurred_at=(till.clock + skew - timedelta(hours=3)).isoformat(),
        )  # fmt: skip
        answer = await synced(client, stall, [void, sale])
        outcomes.append(
            (
                statuses(answer),
                answer["acked_seq"],
                await level(client, stall.shop, stall.shop.other_sku, stall.location),
                shape(await snapshot(stall), stall),
            )
        )
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[0][0] == ["applied", "applied"] and outcomes[0][2] == (2, 0)


async def test_a_sale_after_the_event_closed_lands_late(client: Client, make_brand: MakeBrand) -> None:
    from storefront.events import Event

    stall = await open_stall(client, make_brand, units=1)
    await Event.filter(id=stall.event["id"]).update(status="closed")
    sale = stall.till.sale([(stall.shop.other_sku, 1, 5_000)])
    answer = await synced(client, stall, [sale])
    assert statuses(answer) == ["applied"]
    row = await EventEntry.get(id=sale["id"])
    assert row.late is True and row.status == "applied"
    assert (await Order.get(id=row.order_id)).status == "fulfilled"


async def test_selling_past_the_allocation_from_two_tills_goes_negative_and_is_flagged(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=1, devices=2)
    sku = stall.shop.other_sku
    a, b = stall.tills
    assert statuses(await synced(client, stall, [a.sale([(sku, 1, 5_000)])], a)) == ["applied"]
    answer = await synced(client, stall, [b.sale([(sku, 2, 5_000)])], b)
    assert statuses(answer) == ["applied"]
    assert await level(client, stall.shop, sku, stall.location) == (-2, 0)
    [flag] = await EventFlag.filter(event_id=stall.event["id"], kind="oversold")
    assert f"sold 2 past the allocation of SKU {sku}" in flag.detail
    assert flag.device_id == uuid.UUID(b.device_id)


async def test_an_unknown_sku_is_kept_and_flagged_and_a_void_of_an_unknown_sale_is_a_conflict(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=2)
    till: Till = stall.till
    sale = till.sale([(stall.shop.other_sku, 1, 5_000), ("NO-SUCH-SKU", 1, 2_000)])
    stray = till.entry("void", j.Void(sale=uuid.uuid4(), reason="oops", staff="Ada"))
    answer = await synced(client, stall, [sale, stray])
    assert statuses(answer) == ["applied", "conflict"]
    assert "unknown sale" in answer["results"][1]["detail"]
    order = await Order.get(number=f"{till.mark}-00001")
    assert order.total_minor == 7_000 and [line.sku for line in await order.lines.all()] == [stall.shop.other_sku]
    kinds = sorted(await EventFlag.filter(event_id=stall.event["id"]).values_list("kind", flat=True))
    assert kinds == ["unknown_sale", "unknown_sku"]
    assert (await EventEntry.get(id=stray["id"])).status == "conflict"
    replay = await synced(client, stall, [sale, stray])
    assert statuses(replay) == ["duplicate", "duplicate"]
    assert replay["results"][0]["detail"] is None
    assert replay["results"][1]["detail"].startswith("received before as a conflict: void of an unknown sale")
