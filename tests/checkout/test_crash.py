"""Kill -9 the server in the middle of a checkout rush; restart; retry: nothing lost, nothing doubled.

The server is a real uvicorn process on the suite's database, paying against localstripe.
Thirty shoppers check out and pay at once (in the second test by store credit: one hot code
shared by ten, codes of their own, codes the card tops up); the server is killed with SIGKILL
while their requests are in flight, some before their order is written, some between the order and its
payment, some between the payment and its recording. After a restart every shopper simply
retries (checkout is idempotent per cart; confirm asks Stripe), and the books must balance:
one order per cart, every paid unit sold exactly once, nothing left held, and no order with
more than one successful payment at Stripe.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storefront.credits import CreditEntry, CreditLot
from storefront.orders.models import Order, OrderCredit
from storefront.settings import Settings
from tests.checkout.conftest import cart_with, levels
from tests.commerce import delivery, open_shop
from tests.conftest import EDGE, MakeBrand, auth
from tests.e2e.conftest import free_port
from tests.stripe_server import STRIPE_TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
SHOPPERS = 30


class Server:
    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "STALLKIT_DATABASE_URL": settings.database_url,
            "STALLKIT_DATA_DIR": str(workdir),
            "STALLKIT_SECRET": settings.secret.reveal(),
            "STALLKIT_STRIPE_SECRET_KEY": settings.stripe_secret_key.reveal(),
            "STALLKIT_STRIPE_API_BASE": settings.stripe_api_base,
            "STALLKIT_STRIPE_WEBHOOK_SECRET": settings.stripe_webhook_secret.reveal(),
            "STALLKIT_RECONCILE_INTERVAL_S": "0",
            # A crowd from one address: as in the in-process suite (tests/conftest.py EDGE), no
            # per-shopper cap and no rate limits.
            **{f"STALLKIT_{name.upper()}": str(value) for name, value in EDGE.items() if name != "public_url"},
        }
        self.log = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "storefront.asgi:app",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.log.read_text(errors='replace')}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def server(stripe_settings: Settings, tmp_path: Path) -> Iterator[Server]:
    running = Server(stripe_settings, tmp_path)
    running.start()
    yield running
    if running.process is not None and running.process.poll() is None:
        running.process.terminate()
        running.process.wait(timeout=10)


async def _shop(http: httpx.AsyncClient, key: str, cart: str) -> str:
    """One shopper: check out and pay; whatever breaks, report how far it got."""
    try:
        placed = await http.post(
            f"/v1/carts/{cart}/checkout", json={"email": "a@b.co", "name": "Ada", **delivery()}, headers=auth(key)
        )
        if placed.status_code != 201:
            return f"checkout {placed.status_code}"
        paid = await http.post(f"/v1/carts/{cart}/confirm", json={"payment_method": "pm_card_visa"}, headers=auth(key))
        return f"confirm {paid.status_code}"
    except httpx.HTTPError as exc:
        return type(exc).__name__


async def _paid(carts: list[str]) -> int:
    return await Order.filter(status="paid", cart_id__in=carts).count()


async def _rush_kill_retry(server: Server, key: str, carts: list[str], *, paid_before_kill: int) -> None:
    """Every cart checks out and pays at once; once a few are paid the server is killed, restarted, and all retry."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        rush = [asyncio.create_task(_shop(http, key, cart)) for cart in carts]
        # let some orders get written and some payments land, then pull the plug
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and await _paid(carts) < paid_before_kill:  # noqa: ASYNC110 (another process writes)
            await asyncio.sleep(0.02)
        server.kill()
        first = Counter(await asyncio.gather(*rush))
    print("before the kill:", dict(first))
    assert sum(n for outcome, n in first.items() if not outcome.startswith("confirm 200")) > 0, first

    server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        retried = Counter(await asyncio.gather(*(_shop(http, key, cart) for cart in carts)))
    assert retried == {"confirm 200": len(carts)}, retried


async def test_kill_minus_nine_mid_checkout(
    shop_client: httpx.AsyncClient, make_brand: MakeBrand, server: Server, localstripe: Any
) -> None:
    shop = await open_shop(shop_client, make_brand, shop_units=SHOPPERS)
    carts = [await cart_with(shop_client, shop, shop.sku, 1) for _ in range(SHOPPERS)]
    key = shop.brand.publishable_key
    await _rush_kill_retry(server, key, carts, paid_before_kill=5)

    orders = await Order.filter(cart_id__in=carts)
    assert len(orders) == SHOPPERS and len({o.cart_id for o in orders}) == SHOPPERS  # type: ignore[attr-defined]
    assert Counter(o.status for o in orders) == {"paid": SHOPPERS}
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (0, 0)}
    movements = await shop_client.get(
        "/v1/stock/movements", params={"sku": shop.sku, "limit": 100}, headers=auth(shop.brand.secret_key)
    )
    kinds = Counter(m["kind"] for m in movements.json()["data"])
    assert (kinds["reserve"], kinds["sell"], kinds["release"]) == (SHOPPERS, SHOPPERS, 0)
    async with httpx.AsyncClient(
        base_url=localstripe.api_base, headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"}
    ) as stripe:
        for order in orders:
            intent = (await stripe.get(f"/v1/payment_intents/{order.payment_intent}")).json()
            assert intent["status"] == "succeeded" and intent["amount"] == order.total_minor


async def test_kill_minus_nine_mid_credit_checkout(
    shop_client: httpx.AsyncClient, make_brand: MakeBrand, server: Server, localstripe: Any
) -> None:
    """Shoppers paying by store credit (one hot code, codes of their own, codes topped up by card) through a kill."""
    shop = await open_shop(shop_client, make_brand, shop_units=SHOPPERS)
    price = 12_500
    carts = [await cart_with(shop_client, shop, shop.sku, 1) for _ in range(SHOPPERS)]
    hot = await _credit(shop_client, shop.brand.secret_key, 5 * price)  # five bags for ten shoppers
    codes = [hot] * 10 + [await _credit(shop_client, shop.brand.secret_key, a) for a in [20_000] * 10 + [3_000] * 10]
    for cart, code in zip(carts, codes, strict=True):
        applied = await shop_client.post(
            f"/v1/carts/{cart}/credits", json={"code": code}, headers=auth(shop.brand.publishable_key)
        )
        assert applied.status_code == 201, applied.text
    key = shop.brand.publishable_key
    await _rush_kill_retry(server, key, carts, paid_before_kill=8)

    orders = await Order.filter(cart_id__in=carts)
    assert len(orders) == SHOPPERS and Counter(o.status for o in orders) == {"paid": SHOPPERS}
    credit_ids = {c.credit_id for c in await OrderCredit.filter(order_id__in=[o.id for o in orders])}
    redeemed_total = 0
    for credit_id in credit_ids:  # every credit's books balance, nothing is held, nothing below zero
        entries = await CreditEntry.filter(credit_id=credit_id)
        lots = await CreditLot.filter(credit_id=credit_id)
        assert sum(lot.held_minor for lot in lots) == 0
        assert sum(lot.remaining_minor for lot in lots) == sum(e.amount_minor for e in entries) >= 0
        issued = sum(e.amount_minor for e in entries if e.kind == "issue")
        redeemed = -sum(e.held_minor for e in entries if e.kind == "redeem")
        assert issued - redeemed == sum(lot.remaining_minor for lot in lots)
        redeemed_total += redeemed
    assert redeemed_total == sum(o.credit_minor for o in orders)  # what credits lost is what orders say they paid
    assert {c.status for c in await OrderCredit.filter(order_id__in=[o.id for o in orders])} == {"redeemed"}
    assert sum(o.credit_minor for o in orders if o.credit_minor) == 5 * price + 10 * price + 10 * 3_000
    async with httpx.AsyncClient(
        base_url=localstripe.api_base, headers={"Authorization": f"Bearer {STRIPE_TEST_KEY}"}
    ) as stripe:
        for order in orders:
            if order.credit_minor == order.total_minor:
                assert order.payment_intent is None  # paid wholly by credit: the provider never saw it
                continue
            intent = (await stripe.get(f"/v1/payment_intents/{order.payment_intent}")).json()
            assert intent["status"] == "succeeded" and intent["amount"] == order.total_minor - order.credit_minor
    assert await levels(shop_client, shop, shop.sku) == {"market-street": (0, 0)}


async def _credit(http: httpx.AsyncClient, secret_key: str, amount: int) -> str:
    body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "trade-in"}
    issued = await http.post("/v1/credits", json=body, headers=auth(secret_key))
    assert issued.status_code == 201, issued.text
    return str(issued.json()["code"])
