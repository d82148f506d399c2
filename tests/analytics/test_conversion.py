"""Conversion per fulfilment method, end to end: the page tags the method in view, the report divides by it.

The shop of :mod:`tests.commerce` serves its product page; the beacons below are what the embed
loader sends for it (each event's method is the ``data-sk-method`` nearest the element, as the
loader reads it), and the adds go through the real add-to-cart action, which records its own
events. Before impressions carried the method, every method's add-to-cart rate was 0 or null.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
AT = "2026-11-23T10:00:{:02d}Z"


class Tagged(HTMLParser):
    """For each element with ``data-sk-event`` (and the page's root), the method the loader would read for it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.root_method: str | None = None
        self.events: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        inherited = self.stack[-1][1] if self.stack else None
        method = found.get("data-sk-method") or inherited
        if "sk-product-page" in (found.get("class") or "").split():
            self.root_method = found.get("data-sk-method")
        if found.get("data-sk-event"):
            self.events.append((found["data-sk-event"] or "", method))
        if tag not in ("input", "img", "br", "meta", "link", "source"):
            self.stack.append((tag, method))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


async def product_page(client: Client, shop: Shop) -> Tagged:
    page = await client.get(
        "/v1/components/product-page", params={"key": shop.brand.publishable_key, "product": shop.product}
    )
    assert page.status_code == 200, page.text
    tagged = Tagged()
    tagged.feed(page.text)
    return tagged


async def beacon(client: Client, shop: Shop, events: list[dict[str, Any]]) -> None:
    body = json.dumps({"events": events}).encode()
    response = await client.post(
        "/v1/analytics/events",
        params={"key": shop.brand.publishable_key},
        content=body,
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["rejected"] == 0


def event(
    shop: Shop, type_: str, method: str | None, component: str = "product-page", second: int = 0
) -> dict[str, Any]:
    """One beacon event; ``second`` tells apart shoppers' events the batch would otherwise drop as duplicates."""
    at = AT.format(second)
    return {"type": type_, "component": component, "product": shop.product, "method": method, "occurred_at": at}


async def add(client: Client, shop: Shop, method: str, postcode: str = "") -> None:
    fields = {
        "cart": "",
        "product": shop.product,
        "variant": shop.sku,
        "method": method,
        "location": "",
        "postcode": postcode,
        "quantity": "1",
        "source": "product-page",
    }
    answer = await client.post("/v1/components/add-to-cart", params={"key": shop.brand.publishable_key}, data=fields)
    assert answer.status_code == 200 and "data-sk-cart=" in answer.text, answer.text


async def by_method(client: Client, shop: Shop) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/analytics/summary", headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return {t["method"]: t for t in response.json()["by_method"]}


async def test_the_product_page_tags_its_events_with_the_method_in_view(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    page = await product_page(client, shop)
    assert page.root_method == "pickup"  # the buy box's first way: a shop holds the variant
    picks = [method for kind, method in page.events if kind == "variant_select"]
    assert picks and set(picks) == {"pickup"}
    chosen = {method for kind, method in page.events if kind == "fulfilment_select"}
    assert chosen == {"pickup", "courier"}  # each radio its own


async def test_conversion_per_method_counts_from_the_views_of_that_method(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    in_view = (await product_page(client, shop)).root_method
    assert in_view == "pickup"
    # Four shoppers see the page; one adds for pickup; one switches to courier and adds; a lookbook
    # hotspot is opened; one impression comes from a page cached before impressions were tagged.
    await beacon(
        client,
        shop,
        [
            *[event(shop, "impression", in_view, second=i) for i in range(4)],
            event(shop, "fulfilment_select", "courier"),
            event(shop, "hotspot_select", None, component="lookbook"),
            event(shop, "impression", None),
        ],
    )
    await add(client, shop, "pickup")
    await add(client, shop, "courier", postcode="E1 6AN")

    totals = await by_method(client, shop)
    pickup, courier, none = totals["pickup"], totals["courier"], totals["none"]
    assert (pickup["counts"]["impression"], pickup["counts"]["add_to_cart"], pickup["views"]) == (4, 1, 4)
    assert pickup["rates"]["add_to_cart_bp"] == 2500 and pickup["rates"]["view_to_cart_bp"] == 2500
    assert (courier["counts"]["impression"], courier["views"], courier["counts"]["add_to_cart"]) == (0, 1, 1)
    assert courier["rates"]["add_to_cart_bp"] is None  # no impression had courier in view
    assert courier["rates"]["view_to_cart_bp"] == 10_000  # but the one shopper who chose it added it
    assert none["counts"]["impression"] == 1 and none["counts"]["add_to_cart"] == 0  # the old, untagged one
    assert none["engagement"]["hotspot_select"] == 1
    assert sum(t["engagement"]["hotspot_select"] for t in totals.values()) == 1
