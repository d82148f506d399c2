"""Exchanges, collections, credit the server could not cover, codes already taken, and many senders at once."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from storefront.events import EventEntry, EventFlag
from storefront.events import journal as j
from storefront.orders import Order
from tests.checkout.conftest import fake_payments, paid_order
from tests.commerce import open_shop
from tests.conftest import MakeBrand
from tests.events.helpers import level, new_event, register
from tests.events.sync_kit import Stall, Till, balance, open_stall, send, snapshot, statuses, synced

module_fake, fake_app, fake, client = fake_payments("stall-sync", "whsec_stall_sync")

Client = httpx.AsyncClient


async def test_an_exchange_returns_then_sells_in_one_go(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=3)
    till, sku = stall.till, stall.shop.other_sku
    sale = till.sale([(sku, 1, 9_000)])
    returned = j.Return(
        sale=uuid.UUID(sale["id"]), number=till.number(), currency="GBP",
        lines=[j.ReturnLine(sku=sku, quantity=1, restock=False)], refund=[], reason="scuffed", staff="Ada",
    )  # fmt: skip
    swap = till.entry("exchange", j.Exchange(returned=returned, sale=till.sale_of([(sku, 1, 9_000)], tenders=[])))
    answer = await synced(client, stall, [sale, swap])
    assert statuses(answer) == ["applied", "applied"]
    new = await Order.get(number=f"{till.mark}-00003")
    first = await Order.get(number=f"{till.mark}-00001")
    assert new.exchange_of_id == first.id
    # 3 allocated, 1 sold, 1 back but set aside (quarantined), 1 sold again
    rows = await stall_level(stall)
    assert rows == (1, 1)


async def stall_level(stall: Stall) -> tuple[int, int]:
    from storefront.inventory import StockLevel

    row = await StockLevel.get(location__handle=stall.location, variant__sku=stall.shop.other_sku)
    return row.on_hand, row.quarantined


async def test_an_exchange_of_an_unknown_sale_writes_nothing(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=3)
    till, sku = stall.till, stall.shop.other_sku
    returned = j.Return(
        sale=uuid.uuid4(), number=till.number(), currency="GBP", lines=[j.ReturnLine(sku=sku, quantity=1)],
        refund=[], reason="x", staff="Ada",
    )  # fmt: skip
    swap = till.entry("exchange", j.Exchange(returned=returned, sale=till.sale_of([(sku, 1, 9_000)])))
    answer = await synced(client, stall, [swap])
    assert statuses(answer) == ["conflict"] and "unknown sale" in answer["results"][0]["detail"]
    assert not await Order.filter(brand_id=stall.shop.brand.brand.id).exists()
    row = await EventEntry.get(id=swap["id"])
    assert (row.status, row.order_id) == ("conflict", None)


async def test_credit_beyond_what_the_server_holds_is_flagged_not_refused(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=3)
    till, sku = stall.till, stall.shop.other_sku
    code = till.code()
    trade = till.trade_in(2_000, code)
    sale = till.sale([(sku, 1, 5_000)], tenders=[j.Tender(kind="credit", amount=5_000, code=code)])
    stranger = till.sale([(sku, 1, 1_000)], tenders=[j.Tender(kind="credit", amount=1_000, code=till.code())])
    answer = await synced(client, stall, [trade, sale, stranger])
    assert statuses(answer) == ["applied", "applied", "applied"]
    assert await balance(stall.shop.brand.brand.id, code) == 0
    flags = await EventFlag.filter(event_id=stall.event["id"], kind="credit_shortfall").order_by("key")
    details = sorted(f.detail for f in flags)
    assert len(details) == 2
    assert any("2000 of 5000 covered, 3000 short" in d for d in details)
    assert any("0 of 1000 covered, 1000 short" in d for d in details)
    assert (await Order.get(number=f"{till.mark}-00002")).paid_minor == 5_000


async def test_a_trade_in_code_already_taken_is_flagged(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    till = stall.till
    code = till.code()
    first, second = till.trade_in(1_000, code), till.trade_in(3_000, code)
    answer = await synced(client, stall, [first, second])
    assert statuses(answer) == ["applied", "applied"]
    assert await balance(stall.shop.brand.brand.id, code) == 1_000
    [flag] = await EventFlag.filter(event_id=stall.event["id"], kind="code_taken")
    assert flag.entry_id == uuid.UUID(second["id"])


async def test_a_collection_at_the_stall_fulfils_the_pickup(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    order = await paid_order(client, shop, shop.sku)
    event = await new_event(client, shop)
    device = (await register(client, shop, event["id"])).json()
    stall = Stall(
        shop=shop, event=event, tills=[Till(device_id=device["id"], token=device["token"], mark=device["mark"])]
    )
    collect = stall.till.entry(
        "collect", j.Collect(order_id=uuid.UUID(order["id"]), order_number=order["number"], staff="Ada")
    )
    stray = stall.till.entry("collect", j.Collect(order_id=uuid.uuid4(), order_number="SK-NOPE", staff="Ada"))
    answer = await synced(client, stall, [collect, stray])
    assert statuses(answer) == ["applied", "conflict"]
    assert (await Order.get(id=order["id"])).status == "fulfilled"
    again = await synced(client, stall, [collect])
    assert statuses(again) == ["duplicate"]


async def test_a_collection_of_an_order_with_no_pickup_is_flagged(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    sale = stall.till.sale([(stall.shop.other_sku, 1, 1_000)])
    await synced(client, stall, [sale])
    row = await EventEntry.get(id=sale["id"])
    collect = stall.till.entry("collect", j.Collect(order_id=row.order_id, order_number="x", staff="Ada"))
    assert statuses(await synced(client, stall, [collect])) == ["applied"]
    [flag] = await EventFlag.filter(event_id=stall.event["id"], kind="collect_not_applied")
    assert "no pickup left to collect" in flag.detail


async def test_four_senders_of_one_batch_and_a_second_till_at_once(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=4, devices=2)
    a, b = stall.tills
    sku = stall.shop.other_sku
    code = a.code()
    batch = [a.trade_in(5_000, code)] + [
        a.sale([(sku, 1, 1_000)], tenders=[j.Tender(kind="credit", amount=1_000, code=code)]) for _ in range(3)
    ]
    other = [b.sale([(sku, 1, 1_000)]) for _ in range(3)]
    answers = await asyncio.gather(*[send(client, stall, batch) for _ in range(4)], send(client, stall, other, b))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    for n in range(len(batch)):
        assert sorted(r.json()["results"][n]["status"] for r in answers[:4]) == ["applied"] + ["duplicate"] * 3
    assert statuses(answers[4].json()) == ["applied"] * 3
    assert await balance(stall.shop.brand.brand.id, code) == 2_000
    assert await level(client, stall.shop, sku, stall.location) == (-2, 0)
    snap = await snapshot(stall)
    assert len(snap["entries"]) == 7 and len([o for o in snap["orders"] if o[0].startswith(a.mark)]) == 3
