"""Delivery times from the promise engine and the brand's returns promise, read back out of the page's JSON-LD.

Pure derivations on engine rules made in memory (a same-day courier, a weekday-only one, a
workroom), then the real loader over :mod:`tests.commerce`'s shop in the database, rendered into
the product page's template and read back with extruct the way a crawler reads it, checked
against the fields Google's merchant listings require or recommend for shipping and returns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import extruct  # type: ignore[import-untyped]
import httpx
import msgspec
from litestar import Litestar

from components import loaders, product_page
from components.context import Links, LoadContext
from components.rendering import Renderer
from components.structured_data import product_group
from components.structured_data.terms import (
    DeliveryDays,
    courier_days,
    made_to_order_days,
    return_policy,
)
from components.theming import load_theme
from storefront.fulfilment.promise import CourierZoneRule, MicrofactoryRule
from storefront.fulfilment.rules import compile_week
from storefront.money import Money
from storefront.tenancy.schemas import BrandOut, Principal
from tests.commerce import ALL_DAY, open_shop
from tests.components.test_builders import make_brand
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEMA = "https://schema.org/"


def zone(**fields: Any) -> CourierZoneRule:
    base: dict[str, Any] = {
        "zone": "east",
        "hub": "market-street",
        "timezone": "Europe/London",
        "postcode_prefixes": ("E1", "E2"),
        "same_day_cutoff": 14 * 60,
        "windows": ((18 * 60, 21 * 60),),
        "delivery_days": frozenset(range(7)),
        "rate": Money(amount=795, currency="GBP"),
        "hub_available": 3,
        "network_available": 0,
    }
    return CourierZoneRule(**(base | fields))


# --- the engine, asked over a week ------------------------------------------------------------


def test_a_same_day_courier_delivers_today_before_its_cutoff_and_tomorrow_after() -> None:
    assert courier_days(zone(), MONDAY_9AM) == DeliveryDays(
        handling_min=0, handling_max=1, transit_min=0, transit_max=0
    )


def test_a_weekday_courier_without_same_day_takes_one_to_three_days() -> None:
    weekdays = zone(same_day_cutoff=None, delivery_days=frozenset(range(5)))
    # Friday's order comes on Monday (3 days); any weekday's the next day (1).
    assert courier_days(weekdays, MONDAY_9AM) == DeliveryDays(
        handling_min=1, handling_max=3, transit_min=0, transit_max=0
    )


def test_stock_only_elsewhere_in_the_network_waits_for_the_next_day() -> None:
    away = zone(hub_available=0, network_available=2)
    assert courier_days(away, MONDAY_9AM) == DeliveryDays(handling_min=1, handling_max=1, transit_min=0, transit_max=0)


def test_a_courier_with_nothing_to_send_promises_no_time() -> None:
    assert courier_days(zone(hub_available=0, network_available=0), MONDAY_9AM) is None


def test_a_made_to_order_piece_is_handled_for_its_lead_time_and_dispatch_with_no_transit_claimed() -> None:
    workroom = MicrofactoryRule(
        location="workroom",
        timezone="Europe/London",
        opening_hours=compile_week(ALL_DAY),
        daily_capacity=4,
        lead_time_working_days=3,
        closed_weekdays=frozenset({5, 6}),
    )
    days = made_to_order_days([workroom], MONDAY_9AM, "GBP")
    assert days is not None and days.transit_min is None and days.transit_max is None
    # Production starts the next working day, 3 working days to make, 2 more to dispatch: Monday's order is
    # ready on Friday (4 days); Friday's starts on Monday and leaves the Monday after (10).
    assert (days.handling_min, days.handling_max) == (4, 10)
    assert made_to_order_days([], MONDAY_9AM, "GBP") is None


def test_the_returns_promise_is_the_brand_setting_where_its_locale_sells() -> None:
    brand = make_brand()
    policy = return_policy(brand)
    assert policy is not None
    assert (policy.country, policy.days, policy.free) == ("GB", 14, False)  # the statutory default
    assert return_policy(msgspec.structs.replace(brand, locale="en")) is None  # no country to say it applies in


# --- the real loader, the real template, read back as a crawler reads it ---------------------


def json_ld(html: str) -> dict[str, Any]:
    (found,) = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
    return found  # type: ignore[no-any-return]


async def rendered_page(app: Litestar, ctx: LoadContext) -> str:
    """The product page as its template renders it, with the JSON-LD given the loader's terms."""
    props = await product_page.load(ctx)
    product, variant = await ctx.product_and_variant()
    terms = await loaders.structured_data_terms(ctx, product, variant)
    renderer = Renderer()
    env, _ = renderer.environment(load_theme("default"))
    # The page's own terms, whatever the template passes: the graph is given the loader's, as the page's load gives it.
    env.globals["product_group"] = lambda page, *_: product_group(page, terms)
    return renderer.render(load_theme("default"), "product_page/product-page.html.jinja", props, "en_GB")


def context(app: Litestar, brand: Any, key: str, product: str, sku: str | None = None) -> LoadContext:
    return LoadContext(
        principal=Principal(brand_id=brand.id, kind="publishable", catalog_version=0, allowed_origins=()),
        brand=brand,
        caches=app.state.read_caches,
        shared=app.state.component_caches,
        links=Links(api_base="http://testserver", key=key),
        product_handle=product,
        variant_sku=sku,
    )


async def test_the_page_says_how_long_the_courier_takes_where_it_goes_and_the_returns_promise(
    client: Client, app: Litestar, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    patched = await client.patch(
        "/v1/brand", json={"return_window_days": 30, "free_returns": True}, headers=auth(shop.brand.secret_key)
    )
    assert patched.status_code == 200, patched.text
    brand = msgspec.convert(patched.json(), BrandOut)
    ld = json_ld(await rendered_page(app, context(app, brand, shop.brand.publishable_key, shop.product, shop.sku)))

    offers = {v["sku"]: v["offers"] for v in ld["hasVariant"]}
    on_show = offers[shop.sku]
    assert on_show["availableDeliveryMethod"] == [f"{SCHEMA}OnSitePickup", f"{SCHEMA}ParcelService"]
    assert on_show["availableAtOrFrom"] == [{"@type": "Place", "name": "Market Street"}]
    (courier,) = [d for d in on_show["shippingDetails"] if d["shippingLabel"] == "Delivery by courier"]
    # Google: shippingRate (value, currency), shippingDestination (addressCountry), deliveryTime (handling, transit).
    assert courier["shippingRate"] == {"@type": "MonetaryAmount", "value": "7.95", "currency": "GBP"}
    assert courier["shippingDestination"] == {
        "@type": "DefinedRegion",
        "addressCountry": "GB",
        "postalCodePrefix": ["E1", "E2", "E8"],
    }
    delivery = courier["deliveryTime"]
    assert delivery["@type"] == "ShippingDeliveryTime"
    # The shop's zone: same day before 14:00 with stock at the hub, else the next evening.
    assert delivery["handlingTime"] == {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 1, "unitCode": "DAY"}
    assert delivery["transitTime"] == {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 0, "unitCode": "DAY"}

    for offer in offers.values():  # Google reads the policy from each offer
        policy = offer["hasMerchantReturnPolicy"]
        assert policy["@type"] == "MerchantReturnPolicy"
        assert policy["applicableCountry"] == "GB"
        assert policy["returnPolicyCategory"] == f"{SCHEMA}MerchantReturnFiniteReturnWindow"
        assert policy["merchantReturnDays"] == 30
        assert policy["returnFees"] == f"{SCHEMA}FreeReturn"
        assert policy["returnMethod"] == [f"{SCHEMA}ReturnByMail"]


async def test_a_made_to_order_page_says_how_long_the_workroom_takes(
    client: Client, app: Litestar, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    brand = shop.brand.brand
    listed = (await client.get("/v1/products?limit=10", headers=auth(shop.brand.secret_key))).json()["data"]
    handle = next(p["handle"] for p in listed if p["handle"] != shop.product)  # the other one is made to order
    ld = json_ld(await rendered_page(app, context(app, brand, shop.brand.publishable_key, handle)))
    (made,) = ld["hasVariant"][0]["offers"]["shippingDetails"]
    assert made["shippingLabel"] == "Made to order"
    handling = made["deliveryTime"]["handlingTime"]
    assert handling["unitCode"] == "DAY" and 0 < handling["minValue"] <= handling["maxValue"]
    assert "transitTime" not in made["deliveryTime"]  # how it travels after dispatch is not the engine's to say
    assert ld["hasVariant"][0]["offers"]["hasMerchantReturnPolicy"]["merchantReturnDays"] == 14  # the default


async def test_the_served_product_page_publishes_the_engine_delivery_times_and_the_returns_promise(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    page = await client.get(
        "/v1/components/product-page", params={"key": shop.brand.publishable_key, "product": shop.product}
    )
    assert page.status_code == 200, page.text
    offers = {v["sku"]: v["offers"] for v in json_ld(page.text)["hasVariant"]}
    (courier,) = [d for d in offers[shop.sku]["shippingDetails"] if d["shippingLabel"] == "Delivery by courier"]
    assert courier["shippingDestination"]["addressCountry"] == "GB"
    assert courier["deliveryTime"]["handlingTime"]["maxValue"] == 1
    assert all(o["hasMerchantReturnPolicy"]["merchantReturnDays"] == 14 for o in offers.values())
