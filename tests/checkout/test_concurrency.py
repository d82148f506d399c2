"""A hundred shoppers, ten bags: exactly ten orders, never negative stock (real PostgreSQL in CI)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.checkout.conftest import cart_with, checkout, confirm, levels
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth

SHOPPERS = 100
UNITS = 10


async def test_a_hundred_checkouts_for_the_last_ten_units(
    shop_client: httpx.AsyncClient, make_brand: MakeBrand
) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=UNITS)
    carts = [await cart_with(shop_client, shop, shop.sku, 1) for _ in range(SHOPPERS)]
    placed = await asyncio.gather(*(checkout(shop_client, shop, cart) for cart in carts))
    assert Counter(r.status_code for r in placed) == {201: UNITS, 409: SHOPPERS - UNITS}
    assert {r.json()["code"] for r in placed if r.status_code == 409} == {"out_of_stock"}
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (UNITS, UNITS)}
    winners = [cart for cart, r in zip(carts, placed, strict=True) if r.status_code == 201]
    paid = await asyncio.gather(*(confirm(shop_client, shop, cart) for cart in winners))
    assert [r.json()["order"]["status"] for r in paid] == ["paid"] * UNITS
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (0, 0)}
    orders = await shop_client.get("/v1/orders", params={"limit": 100}, headers=auth(shop.brand.secret_key))
    assert Counter(o["status"] for o in orders.json()["data"]) == {"paid": UNITS}
    movements = await shop_client.get(
        "/v1/stock/movements", params={"sku": shop.sku, "limit": 100}, headers=auth(shop.brand.secret_key)
    )
    on_hand = reserved = 0
    for movement in movements.json()["data"]:  # the ledger, replayed, never dips below zero
        on_hand += movement["on_hand_delta"]
        reserved += movement["reserved_delta"]
        assert on_hand >= 0 and 0 <= reserved <= on_hand
    assert (on_hand, reserved) == (0, 0)
