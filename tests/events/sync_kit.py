"""A stand-in till for sync tests: journal entries as the till writes them, and a stall to send them to.

Entries are made the way ``popup.store.entries`` makes them (canonical JSON, SHA-256 of its
text), from the journal's own payload Structs, so what the server is tested with is what a till
sends. ``snapshot`` reads back everything a sync may have changed, for "ten times equals once".
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec

from popup.store.entries import canonical_json, content_hash
from storefront.credits import Credit, CreditLot, codes
from storefront.credits import service as credits
from storefront.events import EventEntry, EventFlag, EventTender
from storefront.events import journal as j
from storefront.inventory import StockLevel
from storefront.orders import Order
from tests.commerce import Shop, open_shop
from tests.conftest import TEST_SECRET, MakeBrand, auth
from tests.events.helpers import STARTS, allocate, new_event, register

CODE_KEY = codes.hashing_key(TEST_SECRET.reveal())
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Till:
    """One device's journal: the next seq and receipt number, and the clock it stamps entries with."""

    device_id: str
    token: str
    mark: str
    clock: datetime = STARTS + timedelta(hours=1)
    skew: timedelta = timedelta(0)
    seq: int = 0
    receipts: int = 0
    made: list[dict[str, Any]] = field(default_factory=list)

    def entry(self, kind: str, payload: msgspec.Struct, **overrides: Any) -> dict[str, Any]:
        self.seq += 1
        self.clock += timedelta(minutes=1)
        text = canonical_json(payload)
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "seq": self.seq,
            "occurred_at": (self.clock + self.skew).isoformat(),
            "kind": kind,
            "payload": text,
            "content_hash": content_hash(text),
        }
        body.update(overrides)
        self.made.append(body)
        return body

    def number(self) -> str:
        self.receipts += 1
        return f"{self.mark}-{self.receipts:05d}"

    def sale_of(
        self, lines: list[tuple[str, int, int]], *, tenders: list[j.Tender] | None = None, discount: int = 0
    ) -> j.Sale:
        subtotal = sum(q * p for _, q, p in lines)
        total = subtotal - discount
        return j.Sale(
            number=self.number(),
            currency="GBP",
            lines=[j.SaleLine(sku=s, quantity=q, unit_price=p) for s, q, p in lines],
            discount=j.Discount(amount=discount, reason="market day", staff="Ada") if discount else None,
            subtotal=subtotal,
            total=total,
            tenders=tenders or [j.Tender(kind="cash", amount=total, tendered=total)],
            change=0,
            staff="Ada",
        )

    def sale(self, lines: list[tuple[str, int, int]], **kw: Any) -> dict[str, Any]:
        return self.entry("sale", self.sale_of(lines, **kw))

    def code(self) -> str:
        prefix = "SKC" + self.mark[:5]
        body = "".join(secrets.choice(_CROCKFORD) for _ in range(codes.RANDOM_SYMBOLS))
        return prefix + body + codes.check_symbol(prefix + body)

    def trade_in(self, amount: int, code: str) -> dict[str, Any]:
        payload = j.TradeIn(
            number=self.number(), currency="GBP", category="mini-backpack", size_class="mini", material="leather",
            grade="B", own_brand=True, amount=amount, code=code, staff="Ada",
        )  # fmt: skip
        return self.entry("trade_in", payload)


@dataclass
class Stall:
    shop: Shop
    event: dict[str, Any]
    tills: list[Till]

    @property
    def location(self) -> str:
        return str(self.event["location"])

    @property
    def till(self) -> Till:
        return self.tills[0]


async def open_stall(client: httpx.AsyncClient, make_brand: MakeBrand, *, units: int = 3, devices: int = 1) -> Stall:
    """A shop with ``units`` of its warehouse SKU allocated to a new event, and ``devices`` tills."""
    shop = await open_shop(client, make_brand, warehouse_units=max(units, 1))
    event = await new_event(client, shop)
    if units:
        moved = await allocate(client, shop, event["id"], [(shop.other_sku, "warehouse", units)])
        assert moved.status_code == 201, moved.text
    tills = []
    for n in range(devices):
        device = (await register(client, shop, event["id"], name=f"till {n + 1}")).json()
        mark = device.get("mark") or "".join(secrets.choice(_CROCKFORD) for _ in range(6))
        tills.append(Till(device_id=device["id"], token=device["token"], mark=mark))
    return Stall(shop=shop, event=event, tills=tills)


async def send(
    client: httpx.AsyncClient, stall: Stall, entries: list[dict[str, Any]], till: Till | None = None, **body: Any
) -> httpx.Response:
    till = till or stall.till
    payload = {"device_id": till.device_id, "entries": entries, **body}
    return await client.post(f"/v1/events/{stall.event['id']}/sync", json=payload, headers=auth(till.token))


async def synced(
    client: httpx.AsyncClient, stall: Stall, entries: list[dict[str, Any]], till: Till | None = None
) -> dict[str, Any]:
    response = await send(client, stall, entries, till)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def statuses(answer: dict[str, Any]) -> list[str]:
    return [r["status"] for r in answer["results"]]


async def balance(brand_id: uuid.UUID, code: str) -> int:
    credit = await Credit.get(code_hash=codes.code_hash(CODE_KEY, codes.normalise(code)), brand_id=brand_id)
    view = await credits.credit_view(credit, datetime.now(UTC))
    return view.balance.amount


async def snapshot(stall: Stall) -> dict[str, Any]:
    """Everything a sync may change for this stall's brand, as plain values."""
    brand_id = stall.shop.brand.brand.id
    orders = (
        await Order.filter(brand_id=brand_id)
        .order_by("number")
        .values_list("number", "status", "total_minor", "paid_minor", "refunded_minor", "credit_minor")
    )
    levels = (
        await StockLevel.filter(brand_id=brand_id)
        .order_by("id")
        .values_list("variant__sku", "location__handle", "on_hand", "reserved", "quarantined")
    )
    rows = (
        await EventEntry.filter(event_id=stall.event["id"])
        .order_by("id")
        .values_list("id", "seq", "status", "detail", "late", "order_id")
    )
    flags = await EventFlag.filter(event_id=stall.event["id"]).order_by("key").values_list("kind", "key", "detail")
    tenders = (
        await EventTender.filter(event_id=stall.event["id"])
        .order_by("entry_id", "kind", "amount_minor")
        .values_list("entry_id", "direction", "kind", "amount_minor")
    )
    credit_rows = sorted(await Credit.filter(brand_id=brand_id).values_list("code_hint", "status"))
    lots = sorted(
        await CreditLot.filter(credit__brand_id=brand_id).values_list("amount_minor", "remaining_minor", "held_minor")
    )
    return {
        "orders": orders,
        "levels": levels,
        "entries": rows,
        "flags": flags,
        "tenders": tenders,
        "credits": credit_rows,
        "balances": lots,
    }
