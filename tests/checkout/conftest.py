"""Helpers to take a cart through checkout (the localstripe-backed app is ``shop_client``)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.commerce import Shop, add, new_cart
from tests.conftest import auth


async def checkout(client: httpx.AsyncClient, shop: Shop, cart: str, **body: Any) -> httpx.Response:
    payload = {"email": "ada@example.com", "name": "Ada", **body}
    return await client.post(f"/v1/carts/{cart}/checkout", json=payload, headers=auth(shop.brand.publishable_key))


async def confirm(
    client: httpx.AsyncClient, shop: Shop, cart: str, payment_method: str | None = "pm_card_visa"
) -> httpx.Response:
    body = {"payment_method": payment_method} if payment_method else {}
    return await client.post(f"/v1/carts/{cart}/confirm", json=body, headers=auth(shop.brand.publishable_key))


async def cart_with(client: httpx.AsyncClient, shop: Shop, sku: str, quantity: int = 1, **line: Any) -> str:
    cart = await new_cart(client, shop)
    response = await add(client, shop, cart, sku, quantity, **line)
    assert response.status_code == 201, response.text
    return cart


async def paid_order(client: httpx.AsyncClient, shop: Shop, sku: str, quantity: int = 1, **line: Any) -> dict[str, Any]:
    cart = await cart_with(client, shop, sku, quantity, **line)
    assert (await checkout(client, shop, cart)).status_code == 201
    response = await confirm(client, shop, cart)
    assert response.status_code == 200, response.text
    order = response.json()["order"]
    assert order["status"] == "paid", order
    return order  # type: ignore[no-any-return]


async def levels(client: httpx.AsyncClient, shop: Shop, sku: str) -> dict[str, tuple[int, int]]:
    response = await client.get("/v1/stock", params={"sku": sku}, headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return {row["location"]: (row["on_hand"], row["reserved"]) for row in response.json()["data"]}
