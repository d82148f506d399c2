"""Property: whatever shoppers and the merchant do, in any order, the stock books balance.

Hypothesis draws a sequence of checkouts of random sizes, payments, expiries and returns
against one shop's stock. After every step: nothing is negative, nothing is held beyond what
is on hand, the cached level equals the ledger's sum, and on hand equals what was received
minus what was sold plus what came back resaleable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.clock import utcnow
from storefront.inventory.models import StockLevel, StockMovement
from storefront.orders.models import Order
from storefront.orders.payment import apply_signal
from tests.checkout.conftest import cart_with, checkout, confirm
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth

STOCK = 6
Step = tuple[str, int]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("checkout"), st.integers(1, 3)),
        st.tuples(st.just("pay"), st.integers(0, 20)),
        st.tuples(st.just("expire"), st.integers(0, 20)),
        st.tuples(st.just("return"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=12,
)


async def _books(sku_variant: Any, location: Any) -> tuple[int, int, int, int]:
    level = await StockLevel.get(variant_id=sku_variant, location_id=location)
    moves = await StockMovement.filter(variant_id=sku_variant, location_id=location).values_list(
        "on_hand_delta", "reserved_delta"
    )
    return level.on_hand, level.reserved, sum(m[0] for m in moves), sum(m[1] for m in moves)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
async def test_stock_books_balance_whatever_happens(
    plan: list[Step], shop_client: httpx.AsyncClient, make_brand: MakeBrand
) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=STOCK)
    level = await StockLevel.get(variant__sku=shop.sku, variant__brand_id=shop.brand.brand.id)
    variant, location = level.variant_id, level.location_id  # type: ignore[attr-defined]
    pending: list[str] = []  # carts checked out, not yet paid or expired
    paid: list[dict[str, Any]] = []
    sold = returned = 0
    for action, n in plan:
        if action == "checkout":
            cart = (
                await cart_with(shop_client, shop, shop.sku, n) if (await _available(variant, location)) >= n else None
            )
            if cart is not None and (await checkout(shop_client, shop, cart)).status_code == 201:
                pending.append(cart)
        elif action == "pay" and pending:
            cart = pending.pop(n % len(pending))
            order = (await confirm(shop_client, shop, cart)).json()["order"]
            assert order["status"] == "paid"
            paid.append(order)
            sold += order["lines"][0]["quantity"]
        elif action == "expire" and pending:
            cart = pending.pop(n % len(pending))
            order = await Order.get(cart_id=cart)
            await apply_signal(order.id, "expired", source="test", gateway=None, now=utcnow() + timedelta(hours=1))
        elif action == "return" and paid:
            order = paid[n % len(paid)]
            line = order["lines"][0]
            left = line["quantity"] - line["returned_quantity"]
            if left:
                body = {"lines": [{"line": line["id"], "quantity": 1, "reason": "other", "condition": "resaleable"}]}
                response = await shop_client.post(
                    f"/v1/orders/{order['id']}/returns", json=body, headers=auth(shop.brand.secret_key)
                )
                assert response.status_code == 201, response.text
                line["returned_quantity"] += 1
                returned += 1
        on_hand, reserved, ledger_on_hand, ledger_reserved = await _books(variant, location)
        assert (on_hand, reserved) == (ledger_on_hand, ledger_reserved)
        assert 0 <= reserved <= on_hand
        assert on_hand == STOCK - sold + returned
        held = sum([(await Order.get(cart_id=c)).total_minor // 12_500 for c in pending])
        assert reserved == held


async def _available(variant: Any, location: Any) -> int:
    level = await StockLevel.get(variant_id=variant, location_id=location)
    return level.on_hand - level.reserved
