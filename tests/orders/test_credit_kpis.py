"""Circularity KPIs over HTTP: credit issued, redeemed, refunded and outstanding, and orders paid by credit."""

from __future__ import annotations

import httpx

from storefront.orders.credit_kpis import share_bp
from storefront.payments.fake import FakeGateway
from tests.checkout.conftest import cart_with, checkout, fake_payments
from tests.checkout.test_credit_checkout import apply, issue, return_all
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth
from tests.credits.test_trade_ins import started, step

module_fake, fake_app, fake, client = fake_payments("credit-kpis", "whsec_credit_kpis")


PRICE = 12_500


async def kpis(client: httpx.AsyncClient, key: str) -> dict[str, object]:
    response = await client.get("/v1/orders/kpis/credits", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def gbp(amount: int) -> dict[str, object]:
    return {"amount": amount, "currency": "GBP"}


async def test_credit_outstanding_is_what_can_still_be_spent_plus_what_is_held(
    client: httpx.AsyncClient, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=5)
    empty = await kpis(client, shop.brand.secret_key)
    assert (empty["credit_outstanding"], empty["paid_orders"], empty["credit_order_share_bp"]) == (gbp(0), 0, 0)
    covered, partial = await issue(client, shop, 30_000), await issue(client, shop, 4_000)
    paid_cart = await cart_with(client, shop, shop.sku, 1)
    await apply(client, shop, paid_cart, covered)
    paid = (await checkout(client, shop, paid_cart)).json()["order"]  # paid by credit at once
    unpaid_cart = await cart_with(client, shop, shop.sku, 1)
    await apply(client, shop, unpaid_cart, partial)
    assert (await checkout(client, shop, unpaid_cart)).json()["order"]["status"] == "pending_payment"
    await cart_with(client, shop, shop.sku, 1)  # a cart with no credit is no order

    figures = await kpis(client, shop.brand.secret_key)
    assert figures["credit_issued"] == gbp(34_000)
    assert figures["credit_redeemed"] == gbp(PRICE)
    assert figures["credit_outstanding"] == gbp(34_000 - PRICE)  # 4,000 of it held by the unpaid checkout
    assert (figures["paid_orders"], figures["orders_with_credit"], figures["credit_order_share_bp"]) == (1, 1, 10_000)

    await return_all(client, shop, paid)
    after = await kpis(client, shop.brand.secret_key)
    assert (after["credit_refunded"], after["credit_outstanding"]) == (gbp(PRICE), gbp(34_000))
    other = await open_shop(client, make_brand, shop_units=1)
    assert (await kpis(client, other.brand.secret_key))["credit_issued"] == gbp(0)  # per brand


async def test_trade_ins_count_when_received_and_accepted_and_their_credit_is_the_accepted_value(
    client: httpx.AsyncClient, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=1)
    sk = shop.brand.secret_key
    accepted, rejected, waiting = [(await started(client, shop.brand.publishable_key))["id"] for _ in range(3)]
    for tid in (accepted, rejected):
        assert (await step(client, sk, tid, "receive")).status_code == 200
        assert (
            await step(client, sk, tid, "inspect", {"condition": "C", "notes": "scuffed corners"})
        ).status_code == 200
    credit = (await step(client, sk, accepted, "accept")).json()["credit"]
    assert (await step(client, sk, rejected, "reject", {"reason": "not leather"})).status_code == 200
    figures = await kpis(client, sk)
    assert (figures["trade_ins_received"], figures["trade_ins_accepted"]) == (2, 1)
    assert figures["accepted_value"] == credit["balance"] == figures["credit_outstanding"]
    assert waiting  # quoted only: neither received nor accepted


def test_shares_round_half_up_in_basis_points() -> None:
    assert (share_bp(1, 3), share_bp(2, 3), share_bp(1, 20_000), share_bp(0, 0)) == (3333, 6667, 1, 0)
