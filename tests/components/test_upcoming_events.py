"""The upcoming-events component: the builder alone (dates in each event's own timezone, drops in words), then over
HTTP as a self-contained fragment in every theme and as the same props in JSON."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from components.context import Links
from components.theming import available_themes
from components.upcoming_events import build, dates_text
from storefront.clock import utcnow
from storefront.events.schemas import DropOut, StallProductOut, UpcomingEventOut
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut
from tests.commerce import Shop, open_shop
from tests.components.test_cart_components import text_of
from tests.components.test_http import assert_self_contained
from tests.conftest import MakeBrand, auth
from tests.events.helpers import allocate, new_event, sk

Client = httpx.AsyncClient
PATH = "/v1/components/upcoming-events"
STARTS = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
LINKS = Links(api_base="https://api.example", key="pk_test_x")


def brand() -> BrandOut:
    return BrandOut(
        id=uuid.uuid4(), handle="hollis", name="Maison Hollis", currency="GBP", locale="en_GB",
        timezone="Europe/London", theme="default", theme_tokens={}, allowed_origins=[],
        product_url_template="https://hollis.example/bags/{handle}",
    )  # fmt: skip


def event(**overrides: object) -> UpcomingEventOut:
    drop = DropOut(
        handle="winter-capsule", name="Winter capsule", event="paris", quantity=50, left=12,
        starts_at=STARTS, ends_at=STARTS + timedelta(hours=8), status="live", text="12 of 50 left", skus=["NOA-TAN"],
    )  # fmt: skip
    fields: dict[str, object] = {
        "id": uuid.uuid4(), "handle": "paris", "name": "Marché des Créateurs", "venue": "Bastille, Paris",
        "timezone": "Europe/Paris", "starts_at": STARTS, "ends_at": STARTS + timedelta(hours=8),
        "products": [
            StallProductOut(
                product="noa", sku="NOA-TAN", title="Noa Micro Bag", variant_title="Tan",
                price=Money(amount=9_900, currency="GBP"), list_price=Money(amount=12_500, currency="GBP"),
                image="/static/demo/images/mini-backpack.svg", image_alt="", drop="winter-capsule",
            )
        ],
        "drops": [drop],
    }  # fmt: skip
    fields.update(overrides)
    return UpcomingEventOut(**fields)  # type: ignore[arg-type]


def test_dates_are_said_in_the_events_own_timezone() -> None:
    assert dates_text(STARTS, STARTS + timedelta(hours=8), "Europe/Paris", "en_GB") == (
        "Saturday, 12 December 2026, 10:00\u201318:00"
    )
    assert dates_text(STARTS, STARTS + timedelta(hours=8), "Europe/London", "en_GB") == (
        "Saturday, 12 December 2026, 09:00\u201317:00"
    )
    two_days = dates_text(STARTS, STARTS + timedelta(days=1, hours=8), "Europe/London", "en_GB")
    assert two_days == "Saturday, 12 December 2026, 09:00 \u2013 Sunday, 13 December 2026, 17:00"
    # Late in New York is the next day in UTC: the day is the venue's.
    late = dates_text(
        datetime(2026, 12, 12, 23, 30, tzinfo=UTC), datetime(2026, 12, 13, 3, tzinfo=UTC), "America/New_York", "en_US"
    )
    assert late.startswith("Saturday, December 12, 2026")


def test_the_builder_says_prices_drops_and_links_for_the_brands_site() -> None:
    props = build([event()], LINKS, brand(), product="noa")
    [view] = props.events
    assert (view.name, view.venue, view.timezone_text) == (
        "Marché des Créateurs",
        "Bastille, Paris",
        "Times in Europe/Paris",
    )
    assert view.dates_text == "Saturday, 12 December 2026, 10:00\u201318:00"
    [piece] = view.pieces
    assert piece.href == "https://hollis.example/bags/noa?variant=NOA-TAN"
    assert piece.image == "https://api.example/static/demo/images/mini-backpack.svg"
    assert (piece.price.amount, piece.list_price and piece.list_price.amount) == (9_900, 12_500)
    assert piece.drop_text == "Winter capsule: 12 of 50 left" and piece.image_alt == "Noa Micro Bag, Tan"
    [drop] = view.drops
    assert (drop.text, drop.status_text) == ("12 of 50 left", "On now, until 18:00")
    upcoming = build([event(drops=[msgspec.structs.replace(event().drops[0], status="upcoming")])], LINKS, brand())
    assert upcoming.events[0].drops[0].status_text == "Starts Saturday, 12 December 2026 at 10:00"
    assert props.product == "noa" and view.id == "sk-upcoming-events-event-1"
    assert build([], LINKS, brand()).events == []


async def _brand_with_an_event(
    client: Client, make_brand: MakeBrand, theme: str | None = None
) -> tuple[Shop, dict[str, Any]]:
    shop = await open_shop(client, make_brand)
    if theme is not None:
        assert (
            await client.patch("/v1/brand", json={"theme": theme}, headers=auth(shop.brand.secret_key))
        ).status_code == 200
    now = utcnow()
    shown = await new_event(
        client, shop, name="Columbia Road Christmas market", starts_at=(now + timedelta(days=3)).isoformat(),
        ends_at=(now + timedelta(days=3, hours=8)).isoformat(),
    )  # fmt: skip
    await allocate(client, shop, shown["id"], [(shop.sku, "market-street", 2)])
    drop = {
        "handle": f"xmas-{uuid.uuid4().hex[:6]}", "name": "Christmas capsule", "quantity": 30,
        "starts_at": (now - timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(days=4)).isoformat(),
        "skus": [shop.sku],
    }  # fmt: skip
    assert (await client.post(f"/v1/events/{shown['id']}/drops", json=drop, headers=sk(shop))).status_code == 201
    return shop, shown


@pytest.mark.parametrize("theme", available_themes())
async def test_the_fragment_is_self_contained_themed_and_says_it_in_words(
    client: Client, make_brand: MakeBrand, theme: str
) -> None:
    shop, _ = await _brand_with_an_event(client, make_brand, theme)
    response = await client.get(PATH, params={"key": shop.brand.publishable_key})
    assert response.status_code == 200, response.text
    html = response.text
    assert html.startswith(f'<div class="sk-root sk-theme-{theme}" data-sk-component="upcoming-events"')
    assert_self_contained(html)
    assert response.headers["cache-control"] == "private, no-cache"  # counts and statuses move: never kept
    words = text_of(html)
    assert "Columbia Road Christmas market" in words and "Columbia Road, London E2" in words
    assert "Christmas capsule 30 of 30 left On now" in words and "(Times in Europe/London)" in words
    # Reachable with the keyboard: the only interactive elements are real links, each labelled by its text.
    links = re.findall(r"<a [^>]*href=\"([^\"]+)\"[^>]*>", html)
    assert links and all(link.startswith(("http://", "https://", "/")) for link in links)
    assert not re.search(r"<(button|input|select)\b", html) and "tabindex" not in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and all(i.startswith("sk-upcoming-events") for i in ids)
    assert re.search(r'<time datetime="[^"]+">', html)


async def test_json_is_the_same_props_the_fragment_is_made_of(client: Client, make_brand: MakeBrand) -> None:
    shop, shown = await _brand_with_an_event(client, make_brand)
    response = await client.get(
        PATH, params={"key": shop.brand.publishable_key}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    props = response.json()
    [view] = props["events"]
    assert view["handle"] == shown["handle"] and view["timezone"] == "Europe/London"
    [piece] = view["pieces"]
    assert piece["sku"] == shop.sku and piece["price"] == {"amount": 12_500, "currency": "GBP"}
    assert piece["drop_text"].endswith("30 of 30 left")
    assert [d["text"] for d in view["drops"]] == ["30 of 30 left"]


async def test_a_brand_with_no_coming_event_says_so(client: Client, make_brand: MakeBrand) -> None:
    brand_ = await make_brand()
    response = await client.get(PATH, params={"key": brand_.publishable_key})
    assert response.status_code == 200
    assert "No markets or pop-ups planned just now" in text_of(response.text)
    other = await client.get(PATH, params={"key": brand_.publishable_key}, headers={"Accept": "application/json"})
    assert other.json()["events"] == []
