"""Stock in the back office: levels, the ledger newest first, and receive, adjust and transfer, once each."""

from __future__ import annotations

import re
import uuid

import httpx

from storefront.inventory import StockLevel
from tests.backoffice.test_order_pages_http import csrf
from tests.backoffice.test_today_http import signed_in_owner
from tests.commerce import open_shop
from tests.conftest import MakeBrand

Client = httpx.AsyncClient


async def level(sku: str, place: str) -> int:
    row = await StockLevel.get(variant__sku=sku, location__handle=place)
    return row.on_hand


async def test_receive_adjust_and_transfer_each_a_movement_with_a_reason(http: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(http, make_brand, shop_units=5, warehouse_units=5)
    await signed_in_owner(http, shop.brand.brand.handle)
    page = await http.get(f"/admin/stock?sku={shop.sku}")
    assert page.status_code == 200 and shop.sku in page.text
    token, key = csrf(page.text), uuid.uuid4().hex
    received = {"csrf_token": token, "form_key": key, "kind": "receive", "sku": shop.sku, "location": "market-street",
                "quantity": "3", "reason": "delivery from the workshop"}  # fmt: skip
    for _ in range(2):  # sent twice, received once
        assert (await http.post("/admin/stock/movements", data=received)).status_code == 303
    assert await level(shop.sku, "market-street") == 8
    adjust = {**received, "form_key": uuid.uuid4().hex, "kind": "adjust", "quantity": "-2", "reason": ""}
    assert (await http.post("/admin/stock/movements", data=adjust)).status_code == 422  # an adjustment says why
    assert (
        await http.post("/admin/stock/movements", data={**adjust, "reason": "two scuffed: counted out"})
    ).status_code == 303
    assert await level(shop.sku, "market-street") == 6
    move = {"csrf_token": token, "form_key": uuid.uuid4().hex, "sku": shop.sku, "from_location": "market-street",
            "to_location": "warehouse", "quantity": "4", "reason": "the shop is full"}  # fmt: skip
    assert (await http.post("/admin/stock/transfers", data=move)).status_code == 303
    assert (await level(shop.sku, "market-street"), await level(shop.sku, "warehouse")) == (2, 4)
    too_many = {**move, "form_key": uuid.uuid4().hex, "quantity": "50"}
    refused = await http.post("/admin/stock/transfers", data=too_many)
    assert refused.status_code == 409 and "only 2" in refused.text
    same = {**move, "form_key": uuid.uuid4().hex, "to_location": "market-street"}
    assert (await http.post("/admin/stock/transfers", data=same)).status_code == 422
    for bad in ({"quantity": "lots"}, {"kind": "steal"}, {"sku": "NOPE-1"}):
        answer = await http.post("/admin/stock/movements", data={**received, "form_key": uuid.uuid4().hex, **bad})
        assert answer.status_code in (404, 422) and "Traceback" not in answer.text, bad
    page = await http.get(f"/admin/stock?sku={shop.sku}")
    newest = re.findall(r"<td>(the shop is full|two scuffed: counted out|delivery from the workshop)</td>", page.text)
    assert newest[:2] == ["the shop is full", "the shop is full"] and newest[-1] == "delivery from the workshop"
    assert (await http.post("/admin/stock/transfers", data={**move, "csrf_token": "forged"})).status_code == 403
