"""What the event pack carries for the till: stall and online prices, catalogue words, drops, the brand's theme
as tokens, its trade-in rules and the device's mark; signed over all of it, so it verifies and a change breaks it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio

from components.theming import load_theme, pack_theme
from storefront.app import create_app
from storefront.clock import utcnow
from storefront.credits import TradeInItem, default_rules, quote
from storefront.events import pack
from storefront.settings import Settings
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, new_event, register, sk

Client = httpx.AsyncClient

RULES: dict[str, Any] = {
    "currency": "GBP",
    "default_base": {"micro": 1_500, "mini": 3_000, "standard": 5_000, "oversized": 7_000},
    "base_values": {"mini-backpack": {"mini": 4_000}},
    "grades": {"A": 1000, "B": 800, "C": 500, "D": 200},
    "materials": {"calfskin": 1100},
    "own_brand": 1000,
    "other_brand": 700,
    "max_amount": 20_000,
}


async def stall(client: Client, shop: Shop, **brand: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An event with both SKUs allocated, one at a stall price, the other in a drop: (event, device, drop)."""
    if brand:
        patched = await client.patch("/v1/brand", json=brand, headers=auth(shop.brand.secret_key))
        assert patched.status_code == 200, patched.text
    event = await new_event(client, shop)
    lines = [(shop.sku, "market-street", 2), (shop.other_sku, "warehouse", 3)]
    assert (await allocate(client, shop, event["id"], lines)).status_code == 201
    priced = await client.put(
        f"/v1/events/{event['id']}/prices",
        json={"lines": [{"sku": shop.sku, "price": {"amount": 9_900, "currency": "GBP"}}]},
        headers=sk(shop),
    )
    assert priced.status_code == 200, priced.text
    now = utcnow()
    drop = {
        "handle": f"capsule-{uuid.uuid4().hex[:6]}",
        "name": "Black capsule",
        "quantity": 20,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
        "skus": [shop.other_sku],
    }
    assert (await client.post(f"/v1/events/{event['id']}/drops", json=drop, headers=sk(shop))).status_code == 201
    device = (await register(client, shop, event["id"])).json()
    return event, device, drop


async def fetch_pack(client: Client, event: dict[str, Any], device: dict[str, Any]) -> tuple[bytes, pack.Pack]:
    response = await client.get(f"/v1/events/{event['id']}/pack", headers=auth(device["token"]))
    assert response.status_code == 200, response.text
    verified = pack.verify(response.content, device["pack_key"], utcnow(), device_id=uuid.UUID(device["id"]))
    return response.content, verified


async def test_the_pack_prices_at_the_stall_and_names_the_online_price_where_it_differs(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event, device, drop = await stall(client, shop)
    _, verified = await fetch_pack(client, event, device)
    products = {p.sku: p for p in verified.products}
    assert (products[shop.sku].price, products[shop.sku].list_price) == (9_900, 12_500)
    assert (products[shop.other_sku].price, products[shop.other_sku].list_price) == (13_500, None)
    for product in products.values():
        assert (product.category, product.size_class, product.currency) == ("mini-backpack", "mini", "GBP")
    assert products[shop.sku].drop is None
    assert products[shop.other_sku].drop == pack.PackDrop(
        handle=drop["handle"],
        name="Black capsule",
        quantity=20,
        starts_at=datetime.fromisoformat(drop["starts_at"]),
        ends_at=datetime.fromisoformat(drop["ends_at"]),
    )
    assert verified.device.mark == device["mark"] and len(device["mark"]) == 6
    assert verified.credits == [] and verified.reservations == []


async def test_the_pack_carries_the_brands_theme_as_tokens_with_its_overrides(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event, device, _ = await stall(client, shop, theme="noir", theme_tokens={"color-accent": "#123456"})
    raw, verified = await fetch_pack(client, event, device)
    assert verified.theme is not None and verified.theme.name == "noir"
    noir = dict(load_theme("noir").tokens)
    assert verified.theme.tokens == {**noir, "color-accent": "#123456"}
    assert verified.theme == pack_theme("noir", {"color-accent": "#123456"})  # the components' own resolution
    body = msgspec.json.decode(raw)
    body["theme"]["tokens"]["color-accent"] = "#000000"
    with pytest.raises(pack.TamperedPack):
        pack.verify(msgspec.json.encode(body), device["pack_key"], utcnow())


async def test_a_brand_naming_no_theme_that_exists_gets_the_default_tokens(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event, device, _ = await stall(client, shop)
    _, verified = await fetch_pack(client, event, device)
    assert verified.theme == pack.PackTheme(name="default", tokens=dict(load_theme("default").tokens))


async def test_the_pack_carries_the_brands_valuation_rules_and_the_till_quotes_as_online(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event, device, _ = await stall(client, shop)
    _, defaults = await fetch_pack(client, event, device)
    assert defaults.valuation == default_rules("GBP")
    put = await client.put("/v1/trade-in-rules", json=RULES, headers=sk(shop))
    assert put.status_code == 200, put.text
    _, verified = await fetch_pack(client, event, device)
    assert verified.valuation is not None and msgspec.to_builtins(verified.valuation) == msgspec.to_builtins(
        msgspec.convert(RULES, type(verified.valuation))
    )
    item = TradeInItem(category="mini-backpack", size_class="mini", material="calfskin", grade="B", own_brand=True)
    now = datetime(2026, 12, 12, 11, tzinfo=UTC)
    online = await client.post(
        "/v1/trade-ins",
        json={
            "category": "mini-backpack",
            "size_class": "mini",
            "material": "calfskin",
            "condition": "B",
            "own_brand": True,
        },
        headers=sk(shop),
    )
    assert online.status_code == 201, online.text
    offline = quote(verified.valuation, item, now)
    assert offline.amount.amount == 3_520  # 40.00 x 0.8 x 1.1
    assert online.json()["quote"]["amount"]["amount"] == offline.amount.amount  # the till values a bag as online


def test_build_leaves_theme_valuation_credits_and_reservations_empty_unless_given() -> None:
    key = "ab" * 32
    event = pack.PackEvent(
        id=uuid.uuid4(), handle="xmas", name="Market", venue="Columbia Road", timezone="Europe/London",
        starts_at=datetime(2026, 12, 12, 9, tzinfo=UTC), ends_at=datetime(2026, 12, 12, 17, tzinfo=UTC),
        status="open", location="stall-xmas",
    )  # fmt: skip
    parts: dict[str, Any] = {
        "event": event,
        "device": pack.PackDevice(id=uuid.uuid4(), name="till 1", mark="7K3MQ9"),
        "brand": pack.PackBrand(
            id=uuid.uuid4(), handle="b", name="B", currency="GBP", locale="en_GB", timezone="Europe/London", theme="x"
        ),
        "products": [],
        "allocation": [],
        "pack_key": key,
        "now": datetime(2026, 12, 10, tzinfo=UTC),
    }
    bare = pack.build(**parts)
    assert (bare.theme, bare.valuation, bare.credits, bare.reservations) == (None, None, [], [])
    theme = pack.PackTheme(name="noir", tokens={"color-accent": "#e4ff5c"})
    full = pack.build(**parts, theme=theme, valuation=default_rules("GBP"))
    verified = pack.verify(pack.encode(full), key, datetime(2026, 12, 11, tzinfo=UTC))
    assert (verified.theme, verified.valuation, verified.device.mark) == (theme, default_rules("GBP"), "7K3MQ9")
    assert full.signature != bare.signature


@pytest_asyncio.fixture
async def bare_client(database: Settings) -> AsyncIterator[Client]:
    """The storefront alone, with no components mounted: it has no themes."""
    app = create_app(database, manage_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def test_a_storefront_without_components_packs_no_theme(
    client: Client, bare_client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event, device, _ = await stall(client, shop, theme="noir")
    _, verified = await fetch_pack(bare_client, event, device)
    assert verified.theme is None and verified.valuation == default_rules("GBP")
    assert {p.sku for p in verified.products} == {shop.sku, shop.other_sku}
