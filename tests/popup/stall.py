"""A stall at a live storefront: an event with stock allocated, a registered device, and sales to sync.

The sync tests drive the real storefront (a uvicorn process, see :mod:`tests.live`) over the network
with the real client, and judge the result by what the storefront then says about the stall: its
stock and the orders the sales became. Sales are built by the till's own rules, so what syncs is
what a till would have written.
"""

from __future__ import annotations

import random
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from popup.store import TillStore
from popup.sync import SyncTarget
from popup.till.rules import Asked, priced_lines, receipt_number, sale
from tests.live import LiveStorefront

SOURCE = "northampton-warehouse"
# SKU -> units moved to the stall, one each: a module's stalls share the demo warehouse (18 of the
# scarcest SKU here), and the sales sell far past this anyway (a stall's negative stock is data).
ALLOCATION = {"MH-PIP-TAN": 1, "MH-PIP-OXB": 1, "MH-BEA-RSE": 1}
PRICES = {"MH-PIP-TAN": 4500, "MH-PIP-OXB": 4500, "MH-BEA-RSE": 6900, "MH-NOA-TAN": 12900}
FALLBACK_MARK = "7K3MQ9"


@dataclass(frozen=True)
class Stall:
    storefront: LiveStorefront
    event_id: uuid.UUID
    location: str
    device_id: uuid.UUID
    token: str
    mark: str
    pack_key: str

    @property
    def target(self) -> SyncTarget:
        return SyncTarget(event_id=self.event_id, tokens={self.device_id: self.token})

    def assert_exactly_once(self, sold: dict[str, int]) -> None:
        """Stock here is what was allocated less every unit sold, once (SKUs never allocated go below zero)."""
        skus = sorted(set(ALLOCATION) | set(sold))
        want = {sku: ALLOCATION.get(sku, 0) - sold.get(sku, 0) for sku in skus}
        assert {sku: self.stock(sku) for sku in skus} == want

    def stock(self, sku: str) -> int:
        """On hand at the stall, as the storefront has it."""
        rows = self.storefront.call("GET", f"/v1/stock?sku={sku}&location={self.location}")["data"]
        return int(rows[0]["on_hand"]) if rows else 0


def open_stall(storefront: LiveStorefront, name: str = "till 1", *, event: dict[str, Any] | None = None) -> Stall:
    """A fresh event with :data:`ALLOCATION` at its stall and one registered device."""
    if event is None:
        starts = datetime.now(UTC) - timedelta(hours=1)
        event = storefront.call(
            "POST",
            "/v1/events",
            {
                "handle": f"market-{uuid.uuid4().hex[:8]}",
                "name": "Columbia Road Christmas market",
                "venue": "Columbia Road, London E2",
                "timezone": "Europe/London",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=10)).isoformat(),
            },
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        lines = [{"sku": sku, "from_location": SOURCE, "quantity": q} for sku, q in ALLOCATION.items()]
        storefront.call(
            "POST", f"/v1/events/{event['id']}/allocations", {"lines": lines}, **{"Idempotency-Key": str(uuid.uuid4())}
        )
    device = storefront.call(
        "POST", f"/v1/events/{event['id']}/devices", {"name": name}, **{"Idempotency-Key": str(uuid.uuid4())}
    )
    return Stall(
        storefront=storefront,
        event_id=uuid.UUID(event["id"]),
        location=event["location"],
        device_id=uuid.UUID(device["id"]),
        token=device["token"],
        mark=device.get("mark") or FALLBACK_MARK,
        pack_key=device["pack_key"],
    )


def download_pack(stall: Stall) -> bytes:
    """The device's signed pack, as staff download it with the secret key."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{stall.storefront.api}/v1/events/{stall.event_id}/pack?device={stall.device_id}",
        headers={"Authorization": f"Bearer {stall.storefront.secret_key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.read()  # type: ignore[no-any-return]


def ring_up(store: TillStore, stall: Stall, count: int, *, seed: int = 1, start: int = 1) -> dict[str, int]:
    """Record ``count`` cash and card sales of 1-3 lines each; answer the units sold per SKU."""
    rng = random.Random(seed)
    sold: dict[str, int] = {}
    skus = sorted(PRICES)
    for n in range(start, start + count):
        wanted = [(rng.choice(skus), 1) for _ in range(rng.randint(1, 3))]
        lines = priced_lines(wanted, PRICES)
        total = sum(line.quantity * line.unit_price for line in lines)
        if rng.random() < 0.5:
            asked = [Asked(kind="cash", amount=total + rng.choice([0, 500, 1000]))]
        else:
            asked = [Asked(kind="card_terminal", amount=total, reference=f"T{n:06d}")]
        payload = sale(
            number=receipt_number(stall.mark, n), currency="GBP", lines=lines, asked=asked, credit_left={}, staff="Ada"
        )
        store.record("sale", payload, lambda _conn: None)
        for line in lines:
            sold[line.sku] = sold.get(line.sku, 0) + line.quantity
    return sold
