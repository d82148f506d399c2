"""Events test helpers: an event of a shop with stock, and requests with fresh Idempotency-Keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.commerce import Shop
from tests.conftest import auth

STARTS = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)


def sk(shop: Shop, key: str | None = None) -> dict[str, str]:
    return auth(shop.brand.secret_key, **{"Idempotency-Key": key or str(uuid.uuid4())})


def event_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "handle": f"market-{uuid.uuid4().hex[:8]}",
        "name": "Columbia Road Christmas market",
        "venue": "Columbia Road, London E2",
        "timezone": "Europe/London",
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=8)).isoformat(),
    }
    body.update(overrides)
    return body


async def new_event(client: httpx.AsyncClient, shop: Shop, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/events", json=event_body(**overrides), headers=sk(shop))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def allocate(
    client: httpx.AsyncClient, shop: Shop, event_id: str, lines: list[tuple[str, str, int]], key: str | None = None
) -> httpx.Response:
    body = {"lines": [{"sku": s, "from_location": loc, "quantity": q} for s, loc, q in lines]}
    return await client.post(f"/v1/events/{event_id}/allocations", json=body, headers=sk(shop, key))


async def register(
    client: httpx.AsyncClient, shop: Shop, event_id: str, name: str = "till 1", key: str | None = None
) -> httpx.Response:
    return await client.post(f"/v1/events/{event_id}/devices", json={"name": name}, headers=sk(shop, key))


async def level(client: httpx.AsyncClient, shop: Shop, sku: str, location: str) -> tuple[int, int]:
    """(on hand, reserved) of a SKU at a location; (0, 0) where it has never been."""
    response = await client.get(
        "/v1/stock", params={"sku": sku, "location": location}, headers=auth(shop.brand.secret_key)
    )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]
    return (rows[0]["on_hand"], rows[0]["reserved"]) if rows else (0, 0)
