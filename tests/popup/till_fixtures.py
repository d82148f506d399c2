"""A signed event pack and an opened till app for the till's HTTP tests (no storefront, no network).

``make_pack`` signs a pack the way the storefront does (HMAC over its canonical JSON), with a
device mark, products, an allocation and offline credits; ``Till`` is an opened till (the same
``open_till`` the CLI runs) with a Litestar test client, unlocked for JSON by ``unlocked()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import TestClient

from popup.till.app import create_app
from popup.till.config import OpenedTill, open_till
from popup.till.context import TillContext
from storefront.clock import FixedClock
from storefront.credits import codes
from storefront.events import pack as packs

KEY = "ab" * 32
PIN = "2468"
NOW = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
BRAND = uuid.UUID("0190a000-0000-7000-8000-000000000001")
EVENT = uuid.UUID("0190a000-0000-7000-8000-000000000002")
DEVICE = uuid.UUID("0190a000-0000-7000-8000-000000000003")
MARK = "7K3MQ9"
PRICES = {"MH-NOA-TAN": 12_500, "MH-PIP-OXB": 4_500, "MH-FEN-INK": 12_900}
ALLOCATION = {"MH-NOA-TAN": 3, "MH-PIP-OXB": 10, "MH-FEN-INK": 1}
TITLES = {"MH-NOA-TAN": "Noa Micro Bag (Tan)", "MH-PIP-OXB": "Pip Card Case (Oxblood)", "MH-FEN-INK": "Fen Tote (Ink)"}


@dataclass(frozen=True)
class Credit:
    """An online credit the pack lets the till take offline: the printed code and its cap."""

    code: str
    cap: int

    @property
    def typo(self) -> str:
        """The code with one symbol mistyped: the check symbol catches it."""
        body = codes.normalise(self.code)
        at = len(body) - 5
        swapped = "0" if body[at] != "0" else "1"
        return body[:at] + swapped + body[at + 1 :]


def make_reservation(
    code: str, lines: dict[str, int], *, number: str = "SK-7QK4M2PA", name: str = "Grace"
) -> packs.PackReservation:
    """An online order waiting at the stall, named by its pickup code's hash as the storefront's pack names it."""
    return packs.PackReservation(
        order_id=uuid.uuid4(), number=number, name=name, pickup_code_hash=packs.pickup_code_hash(BRAND, code),
        lines=[packs.PackLine(sku=sku, quantity=q) for sku, q in lines.items()],
    )  # fmt: skip


def make_credit(cap: int) -> Credit:
    return Credit(code=codes.generate(), cap=cap)


def make_pack(
    *,
    key: str = KEY,
    device: uuid.UUID = DEVICE,
    event: uuid.UUID = EVENT,
    event_name: str = "Columbia Road Christmas market",
    credits: list[Credit] | None = None,
    now: datetime = NOW,
    ends_at: datetime | None = None,
    prices: dict[str, int] | None = None,
    allocation: dict[str, int] | None = None,
    reservations: list[packs.PackReservation] | None = None,
    image_base: str = "https://cdn.example",
) -> bytes:
    ends = ends_at or now + timedelta(hours=8)
    prices = PRICES if prices is None else prices
    allocation = ALLOCATION if allocation is None else allocation
    unsigned = packs.Pack(
        format=1,
        event=packs.PackEvent(
            id=event, handle="xmas", name=event_name, venue="Columbia Road", timezone="Europe/London",
            starts_at=ends - timedelta(hours=10), ends_at=ends, status="open", location="stall-xmas",
        ),
        device=packs.PackDevice(id=device, name="till 1", mark=MARK),
        brand=packs.PackBrand(
            id=BRAND, handle="hollis", name="Maison Hollis", currency="GBP", locale="en_GB",
            timezone="Europe/London", theme="default",
        ),
        products=[
            packs.PackProduct(
                sku=sku, title=TITLES.get(sku, sku), price=price, currency="GBP",
                images=[packs.PackImage(url=f"{image_base}/{sku}.jpg", alt=TITLES.get(sku, sku))],
            )
            for sku, price in prices.items()
        ],
        allocation=[packs.PackLine(sku=sku, quantity=q) for sku, q in allocation.items()],
        issued_at=now,
        expires_at=packs.expiry(ends),
        signature="",
        credits=[
            packs.PackCredit(
                lookup=packs.offline_lookup(BRAND, codes.parse(credit.code)), cap=credit.cap, currency="GBP"
            )
            for credit in credits or []
        ],
        reservations=reservations or [],
    )  # fmt: skip
    body = msgspec.to_builtins(unsigned)
    return packs.encode(msgspec.structs.replace(unsigned, signature=packs.signature_of(body, key)))


@dataclass
class Till:
    opened: OpenedTill
    client: TestClient[Any]
    clock: FixedClock
    data_dir: Path
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def context(self) -> TillContext:
        return self.opened.till

    def unlock(self, pin: str = PIN, staff: str = "Ada") -> Any:
        return self.client.post("/unlock", json={"pin": pin, "staff": staff}, headers={"Accept": "application/json"})

    def unlocked(self, staff: str = "Ada") -> Till:
        answer = self.unlock(staff=staff)
        assert answer.status_code == 200, answer.text
        self.csrf = answer.json()["csrf_token"]
        self.headers = {"Accept": "application/json", "X-CSRF-Token": self.csrf}
        return self

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(path, json=body, headers={**self.headers, **headers})

    def get(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers={**self.headers, **headers})

    def sale(self, lines: list[dict[str, Any]], tenders: list[dict[str, Any]], **extra: Any) -> Any:
        return self.post("/sales", {"lines": lines, "tenders": tenders, **extra})

    def stock(self, sku: str) -> int:
        found = self.get(f"/products?q={sku}").json()
        return int(next(p["stock"] for p in found if p["sku"] == sku))


@contextmanager
def open_app(data_dir: Path, pack: bytes | None = None, *, clock: FixedClock | None = None) -> Iterator[Till]:
    """Open a till on ``data_dir`` with ``pack`` (a fresh default one if None) and serve it to a test client."""
    clock = clock or FixedClock(NOW)
    data_dir.mkdir(parents=True, exist_ok=True)
    pack_file = data_dir.parent / f"{data_dir.name}-pack.json"
    pack_file.write_bytes(pack if pack is not None else make_pack())
    opened = open_till(data_dir, pack_file, key=KEY, pin=PIN, clock=clock)
    try:
        with TestClient(create_app(opened.till, opened.pin)) as client:
            yield Till(opened=opened, client=client, clock=clock, data_dir=data_dir)
    finally:
        opened.till.store.close()
