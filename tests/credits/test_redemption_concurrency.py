"""Fifty redemptions of one code at once never overspend it, on SQLite and PostgreSQL (the suite runs on both).

At the ledger (hold then redeem, some operations retried at the same moment under the same key) and
over HTTP (fifty carts applying the same code and checking out at once): what the credit lost is
exactly what the orders say credit paid, never more than it had.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from storefront.clock import utcnow
from storefront.credits import CreditEntry, CreditInsufficient, CreditLot, service
from storefront.orders.models import Order
from storefront.payments.fake import FakeGateway
from tests.checkout.conftest import cart_with, checkout, fake_payments
from tests.checkout.test_credit_checkout import apply, balance, issue
from tests.commerce import open_shop
from tests.conftest import MakeBrand
from tests.credits.conftest import ACTOR, KEY
from tests.credits.conftest import issue as issue_credit

SHOPPERS = 50
PRICE = 12_500


module_fake, fake_app, fake, client = fake_payments("credit-rush", "whsec_credit_rush")


async def test_fifty_holds_and_redemptions_of_one_code_at_once(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    code, credit = await issue_credit(brand, 10_000, now)

    async def redeem(key: str) -> str:
        try:
            held = await service.hold(brand, credit, 300, key=f"hold-{key}", reason="rush", actor=ACTOR, now=now)
        except CreditInsufficient:
            return "refused"
        redeemed = await service.redeem(brand, f"hold-{key}", reason="paid", actor=ACTOR)
        return "replayed" if held.replayed or redeemed.replayed else "redeemed"

    keys = [f"k{i}" for i in range(SHOPPERS)] + [f"k{i}" for i in range(10)]  # ten retried at the same moment
    outcomes = Counter(await asyncio.gather(*(redeem(key) for key in keys)))
    assert outcomes["redeemed"] == 10_000 // 300  # 33 fit; the rest are refused, and a retry redeems nothing more
    assert outcomes["redeemed"] + outcomes["replayed"] + outcomes["refused"] == len(keys)
    view = await service.look_up(brand, code, KEY, now)
    assert (view.balance.amount, view.held.amount) == (10_000 - 33 * 300, 0)
    entries = await CreditEntry.filter(credit_id=credit)
    assert sum(e.amount_minor for e in entries) == view.balance.amount
    assert -sum(e.held_minor for e in entries if e.kind == "redeem") == 33 * 300
    assert all(n == 1 for n in Counter((e.idempotency_key, e.seq) for e in entries).values())
    assert all(lot.remaining_minor >= 0 and lot.held_minor == 0 for lot in await CreditLot.filter(credit_id=credit))


async def test_fifty_carts_checking_out_on_one_code_at_once(
    client: httpx.AsyncClient, make_brand: MakeBrand, fake: FakeGateway
) -> None:
    shop = await open_shop(client, make_brand, shop_units=SHOPPERS)
    code = await issue(client, shop, 5 * PRICE + 1_000)  # five bags, and a part of a sixth
    carts = [await cart_with(client, shop, shop.sku, 1) for _ in range(SHOPPERS)]
    for cart in carts:
        assert (await apply(client, shop, cart, code)).status_code == 201
    answers = await asyncio.gather(*(checkout(client, shop, cart) for cart in carts))
    assert [a.status_code for a in answers] == [201] * SHOPPERS, [a.text for a in answers if a.status_code != 201]
    orders = await Order.filter(cart_id__in=carts)
    assert len(orders) == SHOPPERS  # one order per cart
    paid_by_credit = sorted(o.credit_minor for o in orders)
    assert sum(paid_by_credit) == 5 * PRICE + 1_000  # exactly what the credit had, never more
    assert paid_by_credit[-6:] == [1_000] + [PRICE] * 5 and set(paid_by_credit[:-6]) == {0}
    assert sum(1 for o in orders if o.status == "paid") == 5  # the rest wait for a card for what is left
    assert await balance(client, shop, code) == (0, 1_000)  # the part-paid order's share is held
