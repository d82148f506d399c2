"""Reserve online, collect at the stall, sync: the whole way, against the real storefront.

A shopper reserves a bag for collection at the stall (paid by store credit, so no payment provider
is in the way), the device's pack carries the reservation, staff type the shopper's pickup code at
the till (the app as a stall runs it, on its own store), and one sync later the storefront has the
order fulfilled, the till nothing pending.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from popup.sync import BackgroundSync, Storefront, sync
from popup.till.app import create_app
from popup.till.config import open_till
from storefront.clock import FixedClock
from tests.live import LiveStorefront, live_storefront
from tests.popup.stall import Stall, download_pack, open_stall

SKU = "MH-PIP-TAN"


@pytest.fixture(scope="module")
def storefront(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStorefront]:
    # Payments on, pointed at a port nothing listens on: a checkout paid wholly by credit never calls it.
    never = {"STALLKIT_STRIPE_SECRET_KEY": "sk_test_never_called", "STALLKIT_STRIPE_API_BASE": "http://127.0.0.1:9"}
    with live_storefront(tmp_path_factory.mktemp("sync-collect"), never) as running:
        yield running


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def reserve_at(storefront: LiveStorefront, stall: Stall) -> dict[str, Any]:
    """A shopper's order to collect at the stall, paid wholly by a store credit the brand issued."""
    code = storefront.call(
        "POST", "/v1/credits", {"amount": {"amount": 50_000, "currency": "GBP"}, "reason": "gift"}, **key()
    )["code"]
    pk = storefront.publishable_key
    cart = storefront.call("POST", "/v1/carts", {}, key=pk, **key())["id"]
    line = {"sku": SKU, "quantity": 1, "fulfilment": {"method": "pickup", "location": stall.location}}
    storefront.call("POST", f"/v1/carts/{cart}/lines", line, key=pk, **key())
    storefront.call("POST", f"/v1/carts/{cart}/credits", {"code": code}, key=pk, **key())
    placed = storefront.call(
        "POST", f"/v1/carts/{cart}/checkout", {"email": "grace@example.com", "name": "Grace Hopper"}, key=pk, **key()
    )
    order: dict[str, Any] = placed["order"]
    assert order["status"] == "paid", order
    return order


def test_reserved_online_collected_at_the_till_is_fulfilled_after_sync(
    storefront: LiveStorefront, tmp_path: Path
) -> None:
    stall = open_stall(storefront)
    order = reserve_at(storefront, stall)
    [part] = order["fulfilments"]
    pack_file = tmp_path / "pack.json"
    pack_file.write_bytes(download_pack(stall))
    clock = FixedClock(datetime.now(UTC))
    opened = open_till(tmp_path / "till", pack_file, key=stall.pack_key, pin="2468", clock=clock)
    try:
        with TestClient(create_app(opened.till, opened.pin)) as till:
            unlocked = till.post(
                "/unlock", json={"pin": "2468", "staff": "Ada"}, headers={"Accept": "application/json"}
            )
            headers = {"Accept": "application/json", "X-CSRF-Token": unlocked.json()["csrf_token"]}
            [waiting] = till.get("/collect", headers=headers).json()
            assert (waiting["number"], waiting["name"]) == (order["number"], "Grace Hopper")
            handed = till.post("/collections", json={"code": part["pickup_code"]}, headers=headers)
            assert handed.status_code == 201, handed.text
        with Storefront(storefront.api) as online:
            report = sync(opened.till.store, online, stall.target, clock=clock, on_updates=opened.till.apply_updates)
        assert report.complete and report.error is None, report.error
        assert opened.till.store.status(clock()).pending == 0
        assert opened.till.reservations == {}  # the storefront's list no longer has it
    finally:
        opened.till.store.close()
    after = storefront.call("GET", f"/v1/orders/{order['id']}")
    assert after["status"] == "fulfilled"
    assert [f["status"] for f in after["fulfilments"]] == ["fulfilled"]
    assert stall.stock(SKU) == 0  # the one unit at the stall left when the order was paid, once


def test_an_idle_till_online_hears_of_a_reservation_made_after_its_pack(
    storefront: LiveStorefront, tmp_path: Path
) -> None:
    stall = open_stall(storefront)
    pack_file = tmp_path / "pack.json"
    pack_file.write_bytes(download_pack(stall))  # before the shopper reserves
    clock = FixedClock(datetime.now(UTC))
    opened = open_till(tmp_path / "till", pack_file, key=stall.pack_key, pin="2468", clock=clock)
    background = BackgroundSync(
        opened.till.store, Storefront(storefront.api), stall.target, clock=clock, interval=0.2,
        on_updates=opened.till.apply_updates,
    )  # fmt: skip
    try:
        assert opened.till.reservations == {}
        background.start()
        order = reserve_at(storefront, stall)
        deadline = time.monotonic() + 20
        while not opened.till.reservations and time.monotonic() < deadline:
            time.sleep(0.1)
        [heard] = opened.till.reservations.values()
        assert (heard.order_id, heard.number) == (uuid.UUID(order["id"]), order["number"])
        assert opened.till.store.status(clock()).pending == 0  # nothing was sent or recorded to hear it
        assert background.runs == 0
    finally:
        background.stop()
        opened.till.store.close()
