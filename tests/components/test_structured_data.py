"""The product page's JSON-LD, read back out of the rendered HTML the way a crawler reads it (extruct).

Pure builds on products made in memory, a hostile-text property for the ``<script>`` escape, and
the real page over HTTP from :mod:`tests.commerce`'s shop (stock at a shop and a warehouse, pickup,
a courier zone, a workroom).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import extruct  # type: ignore[import-untyped]
import httpx
import msgspec
from hypothesis import given
from hypothesis import strategies as st

from components import product_page
from components.loaders import FulfilmentConfig
from components.rendering import Renderer
from components.structured_data import product_group
from components.structured_data.graph import MerchantReturnPolicy
from components.structured_data.terms import CourierTerms, DeliveryDays, OfferTerms, ReturnPolicy
from components.theming import load_theme
from storefront.money import Money
from tests.commerce import Shop, open_shop
from tests.components.test_builders import LINKS, make_brand, to_product_out
from tests.conftest import MakeBrand
from tests.factories import product_body

Client = httpx.AsyncClient
CONFIG = FulfilmentConfig(
    pickup_points={"market-street": "Market Street", "hoxton": "Hoxton"},
    courier_rates=[Money(amount=795, currency="GBP"), Money(amount=495, currency="GBP")],
    microfactories=["Hackney Workroom"],
)
LEVELS = [("market-street", "shop", 3), ("hoxton", "shop", 1), ("warehouse", "warehouse", 5)]


RENDERER = Renderer()  # one per app in the service; hashing the templates per example would be slow


def page_props(made_to_order: bool = False, stocked: bool = True, **fields: Any) -> product_page.ProductPageProps:
    """The page of a two-colour bag whose tan is at two shops and the warehouse (when ``stocked``); black is nowhere."""
    body = product_body(sku="LD-1-TAN", **fields)
    p = to_product_out(body, {"LD-1-TAN": LEVELS} if stocked else {}, made_to_order)
    return product_page.build(p, p.variants[0], LINKS, make_brand(), None, (), CONFIG)


def render(props: product_page.ProductPageProps) -> str:
    return RENDERER.render(load_theme("default"), "product_page/product-page.html.jinja", props, "en_GB")


def json_ld(html: str) -> dict[str, Any]:
    """The one JSON-LD node a crawler finds in the fragment."""
    found = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"]
    assert len(found) == 1, found
    return found[0]  # type: ignore[no-any-return]


# --- the graph ----------------------------------------------------------------------------------


def test_the_page_is_a_product_group_varying_by_colour_with_an_offer_per_variant() -> None:
    props = page_props()
    ld = json_ld(render(props))
    assert (ld["@context"], ld["@type"]) == ("https://schema.org", "ProductGroup")
    assert ld["productGroupID"] == props.product
    assert ld["name"] == props.title and ld["description"] == "Cut from a single hide in Florence."
    assert ld["brand"] == {"@type": "Brand", "name": "Maison Test"}
    assert ld["variesBy"] == ["https://schema.org/color"]
    assert ld["material"] == ["Calfskin leather", "Recycled PET lining"]  # heaviest share first
    assert ld["countryOfOrigin"] == {"@type": "Country", "name": "GB"}  # assembled in London, not the tannery's IT
    tan, black = ld["hasVariant"]
    assert (tan["@type"], tan["sku"], tan["color"]) == ("Product", "LD-1-TAN", "tan")
    assert tan["name"] == f"{props.title}, tan"
    assert tan["image"] == ["https://api.stallkit.test/static/demo/images/mini-backpack.svg"]
    assert tan["offers"]["price"] == "125.00" and tan["offers"]["priceCurrency"] == "GBP"
    assert tan["offers"]["availability"] == "https://schema.org/InStock"
    assert tan["offers"]["itemCondition"] == "https://schema.org/NewCondition"
    assert black["offers"]["price"] == "135.00"
    assert black["offers"]["availability"] == "https://schema.org/OutOfStock"  # nothing of it anywhere
    assert "hasMerchantReturnPolicy" not in json.dumps(ld)  # no terms given: no returns rule to publish


def test_the_variant_on_show_offers_pickup_at_its_shops_and_the_courier_at_its_rate() -> None:
    offer = json_ld(render(page_props()))["hasVariant"][0]["offers"]
    assert offer["availableDeliveryMethod"] == ["https://schema.org/OnSitePickup", "https://schema.org/ParcelService"]
    assert offer["availableAtOrFrom"] == [
        {"@type": "Place", "name": "Market Street"},  # most units first, as the buy box lists them
        {"@type": "Place", "name": "Hoxton"},
    ]
    assert offer["shippingDetails"] == [
        {
            "@type": "OfferShippingDetails",
            "shippingLabel": "Delivery by courier",
            "shippingRate": {"@type": "MonetaryAmount", "value": "4.95", "currency": "GBP"},  # the cheapest zone
        }
    ]


def test_a_made_to_order_piece_is_a_pre_order_shipped_from_the_workroom() -> None:
    ld = json_ld(render(page_props(made_to_order=True, stocked=False)))
    tan, black = ld["hasVariant"]
    assert tan["offers"]["availability"] == "https://schema.org/PreOrder"
    assert black["offers"]["availability"] == "https://schema.org/PreOrder"
    assert tan["offers"]["availableDeliveryMethod"] == ["https://schema.org/ParcelService"]
    assert "availableAtOrFrom" not in tan["offers"]
    (made,) = tan["offers"]["shippingDetails"]
    assert made["shippingLabel"] == "Made to order"
    assert made["shippingRate"]["value"] == "0.00"


def test_delivery_times_and_a_returns_policy_are_said_when_they_are_known() -> None:
    props = page_props()
    terms = OfferTerms(
        country="GB",
        courier=[
            CourierTerms(
                zone="east",
                rate=Money(amount=495, currency="GBP"),
                postcode_prefixes=["E1", "E2"],
                days=DeliveryDays(handling_min=0, handling_max=1, transit_min=0, transit_max=0),
            )
        ],
        returns=ReturnPolicy(country="GB", days=30, free=True, in_store=True),
    )
    ld = json.loads(msgspec.json.encode(product_group(props, terms)))
    (courier,) = ld["hasVariant"][0]["offers"]["shippingDetails"]
    assert courier["shippingDestination"] == {
        "@type": "DefinedRegion",
        "addressCountry": "GB",
        "postalCodePrefix": ["E1", "E2"],
    }
    assert courier["deliveryTime"] == {
        "@type": "ShippingDeliveryTime",
        "handlingTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 1, "unitCode": "DAY"},
        "transitTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 0, "unitCode": "DAY"},
    }
    policy = {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": "GB",
        "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": 30,
        "returnFees": "https://schema.org/FreeReturn",
        "returnMethod": ["https://schema.org/ReturnByMail", "https://schema.org/ReturnInStore"],
    }
    assert [v["offers"]["hasMerchantReturnPolicy"] for v in ld["hasVariant"]] == [policy, policy]  # on every offer
    unlimited = product_group(
        props, OfferTerms(country="GB", returns=ReturnPolicy(country="GB", days=None, free=False))
    )
    offered = unlimited.has_variant[0].offers.has_merchant_return_policy
    assert isinstance(offered, MerchantReturnPolicy)
    assert offered.return_policy_category == "https://schema.org/MerchantReturnUnlimitedWindow"
    assert offered.return_fees == "https://schema.org/ReturnFeesCustomerResponsibility"
    assert "merchantReturnDays" not in json.loads(msgspec.json.encode(offered))


# --- the script element cannot be broken out of ---------------------------------------------------


def test_hostile_text_stays_inside_the_json_ld_script() -> None:
    story = "Nice</script><script>alert(1)</script><!--<script>"
    material = [{"material": "</SCRIPT ><img src=x onerror=alert(2)>", "share_pct": 100, "country": "IT"}]
    html = render(page_props(story=story, materials=material))
    assert html.count("<script") == 1 and html.lower().count("</script") == 1
    block = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    ld = json_ld(html)
    assert ld["description"] == story
    assert ld["material"] == ["</SCRIPT ><img src=x onerror=alert(2)>"]


class _Scripts(HTMLParser):
    """Counts script elements as a browser's tokenizer opens and closes them."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened += tag == "script"


HOSTILE = st.lists(st.sampled_from([*"<>&/!-'\"\\ =?[]", "script", "SCRIPT", "</script>", "<!--", "-->", "é"])).map(
    "".join
)


@given(title=HOSTILE.map(lambda t: t.strip() or "x"), story=HOSTILE)
def test_any_title_or_story_round_trips_through_the_script_element(title: str, story: str) -> None:
    props = page_props(title=title, story=story)
    html = render(props)
    parser = _Scripts()
    parser.feed(html)
    assert parser.opened == 1
    ld = json.loads(re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[0])
    assert (ld["name"], ld["description"]) == (props.title, story)


# --- the real page ------------------------------------------------------------------------------


async def test_the_served_product_page_describes_its_group_and_where_to_collect(
    client: Client, make_brand: MakeBrand
) -> None:
    shop: Shop = await open_shop(client, make_brand)
    page = await client.get(
        "/v1/components/product-page", params={"key": shop.brand.publishable_key, "product": shop.product}
    )
    assert page.status_code == 200, page.text
    ld = json_ld(page.text)
    assert ld["@type"] == "ProductGroup" and ld["productGroupID"] == shop.product
    offers = {v["sku"]: v["offers"] for v in ld["hasVariant"]}
    on_show = offers[shop.sku]
    assert on_show["availability"] == "https://schema.org/InStock"
    assert "https://schema.org/OnSitePickup" in on_show["availableDeliveryMethod"]
    assert on_show["availableAtOrFrom"] and all(p["@type"] == "Place" for p in on_show["availableAtOrFrom"])
    assert [d["shippingLabel"] for d in on_show["shippingDetails"]][:1] == ["Delivery by courier"]
    assert all(o["priceCurrency"] == "GBP" and re.fullmatch(r"\d+\.\d{2}", o["price"]) for o in offers.values())
