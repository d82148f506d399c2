"""The sync endpoint over HTTP: entries applied once, replays answered duplicate, conflicts recorded, never a 500."""

from __future__ import annotations

import uuid

import httpx

from storefront.events import EventEntry, EventFlag, EventTender
from storefront.events import journal as j
from storefront.orders import Order
from tests.conftest import MakeBrand
from tests.events.helpers import level, sk
from tests.events.sync_kit import open_stall, statuses, synced

Client = httpx.AsyncClient


async def test_a_sale_becomes_a_paid_stall_order_and_leaves_the_stall(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=3)
    sku = stall.shop.other_sku
    till = stall.till
    card = j.Tender(kind="card_terminal", amount=10_000, reference="T-991")
    cash = j.Tender(kind="cash", amount=3_000, tendered=5_000)
    sale = till.sale([(sku, 2, 7_000)], discount=1_000, tenders=[card, cash])
    answer = await synced(client, stall, [sale])
    assert answer["results"] == [{"id": sale["id"], "status": "applied", "detail": None}]
    assert answer["acked_seq"] == 1 and answer["gaps"] == []
    order = await Order.get(number=f"{till.mark}-00001")
    assert (order.status, order.total_minor, order.paid_minor, order.discount_minor) == (
        "fulfilled",
        13_000,
        13_000,
        1_000,
    )
    lines = await order.lines.all()
    assert [(line.sku, line.quantity, line.unit_price_minor, line.total_minor) for line in lines] == [
        (sku, 2, 7_000, 13_000)
    ]
    assert await level(client, stall.shop, sku, stall.location) == (1, 0)
    tenders = (
        await EventTender.filter(entry_id=sale["id"]).order_by("kind").values_list("kind", "amount_minor", "reference")
    )
    assert tenders == [("card_terminal", 10_000, "T-991"), ("cash", 3_000, "")]
    row = await EventEntry.get(id=sale["id"])
    assert (row.status, row.seq, row.order_id, row.late) == ("applied", 1, order.id, False)


async def test_a_replay_is_a_duplicate_and_changes_nothing(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=3)
    sale = stall.till.sale([(stall.shop.other_sku, 1, 12_500)])
    await synced(client, stall, [sale])
    again = await synced(client, stall, [sale])
    assert statuses(again) == ["duplicate"] and again["acked_seq"] == 1
    assert await level(client, stall.shop, stall.shop.other_sku, stall.location) == (2, 0)
    assert await Order.filter(brand_id=stall.shop.brand.brand.id).count() == 1


async def test_the_same_id_with_other_content_is_a_recorded_conflict(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=3)
    sale = stall.till.sale([(stall.shop.other_sku, 1, 12_500)])
    await synced(client, stall, [sale])
    other = stall.till.sale_of([(stall.shop.other_sku, 2, 12_500)])
    twin = stall.till.entry("sale", other, id=sale["id"], seq=1)
    answer = await synced(client, stall, [twin])
    [result] = answer["results"]
    assert result["status"] == "conflict" and "other content" in result["detail"]
    flag = await EventFlag.get(entry_id=uuid.UUID(sale["id"]), kind="id_reused")
    assert flag.payload == twin["payload"]
    assert await level(client, stall.shop, stall.shop.other_sku, stall.location) == (2, 0)
    # the same conflict sent again is not flagged twice
    await synced(client, stall, [twin])
    assert await EventFlag.filter(entry_id=uuid.UUID(sale["id"]), kind="id_reused").count() == 1


async def test_a_taken_seq_a_bad_hash_and_a_bad_payload_are_conflicts_not_failures(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=5)
    till, sku = stall.till, stall.shop.other_sku
    first = till.sale([(sku, 1, 12_500)])
    same_seq = till.sale([(sku, 1, 12_500)])
    same_seq["seq"] = first["seq"]
    bad_hash = till.sale([(sku, 1, 12_500)])
    bad_hash["content_hash"] = "0" * 64
    bad_payload = till.entry("sale", j.CashUp(currency="GBP", opening_float=0, expected=0, counted=0, staff="Ada"))
    unknown_kind = till.entry("teleport", j.Collect(order_id=uuid.uuid4(), order_number="X", staff="Ada"))
    answer = await synced(client, stall, [first, same_seq, bad_hash, bad_payload, unknown_kind])
    assert statuses(answer) == ["applied", "conflict", "conflict", "conflict", "conflict"]
    assert "already entry" in answer["results"][1]["detail"]
    assert "content_hash" in answer["results"][2]["detail"]
    assert "not a valid 'sale'" in answer["results"][3]["detail"]
    assert "unknown entry kind" in answer["results"][4]["detail"]
    # the bad ones took their seq (received, recorded); seq 2 never came (its entry reused seq 1)
    assert answer["acked_seq"] == 1 and answer["gaps"] == [[2, 2]]
    stored = await EventEntry.filter(device_id=uuid.UUID(till.device_id)).order_by("seq").values_list("seq", "status")
    assert stored == [(1, "applied"), (3, "conflict"), (4, "conflict"), (5, "conflict")]
    assert await level(client, stall.shop, sku, stall.location) == (4, 0)


async def test_an_empty_batch_answers_where_the_device_stands(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=2)
    assert await synced(client, stall, []) == {
        "acked_seq": 0, "results": [], "gaps": [], "updates": {"prices": [], "credits": [], "reservations": []},
    }  # fmt: skip
    await synced(client, stall, [stall.till.sale([(stall.shop.other_sku, 1, 1_000)])])
    answer = await synced(client, stall, [])
    assert (answer["acked_seq"], answer["gaps"]) == (1, [])


async def test_the_answer_carries_the_events_stall_prices(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=2)
    sku = stall.shop.other_sku
    body = {"lines": [{"sku": sku, "price": {"amount": 9_900, "currency": "GBP"}}]}
    put = await client.put(f"/v1/events/{stall.event['id']}/prices", json=body, headers=sk(stall.shop))
    assert put.status_code == 200, put.text
    answer = await synced(client, stall, [])
    assert answer["updates"]["prices"] == [{"sku": sku, "price": 9_900}]
