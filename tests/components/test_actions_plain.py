"""Component forms posted without script, and fragments rendered by a brand's server, over HTTP.

A brand's server fetches fragments with its publishable key as a bearer header and a
``return_to`` page on one of its allowed origins; the forms in them then post back here and are
answered 303 to that page (with the state it needs in the query), or, when the shopper has a
field to correct, with the form on a page of ours that leads back. Foreign pages are refused.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx

from components.context import Links, origin_of, page_url, with_query
from storefront.tenancy.schemas import Principal
from tests.commerce import Shop, open_shop
from tests.components.test_cart_components import add_fields, cart_json, cart_of, text_of
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
BRAND_SITE = "https://maisonhollis.example"
PAGE = f"{BRAND_SITE}/bags/noa?variant=MH-NOA-TAN"
ACTION = re.compile(r'<form class="sk-add-to-cart__form" method="post" action="([^"]+)"')


async def brand_shop(client: Client, make_brand: MakeBrand, **fields: int) -> Shop:
    return await open_shop(client, make_brand, allowed_origins=[BRAND_SITE], **fields)


async def plain_post(client: Client, action_url: str, **fields: str) -> httpx.Response:
    """A browser's form post, no script: the action URL as the fragment wrote it, and the page's Origin."""
    path = action_url.removeprefix("http://testserver")
    return await client.post(path, data=fields, headers={"Origin": BRAND_SITE})


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def principal(origins: tuple[str, ...]) -> Principal:
    return Principal(brand_id=uuid.uuid4(), kind="publishable", catalog_version=1, allowed_origins=origins)


# --- the rules -------------------------------------------------------------------------------------


def test_a_page_is_only_one_on_the_brands_allowed_origins() -> None:
    allowed = principal((BRAND_SITE, "http://127.0.0.1:8001"))
    assert page_url(PAGE, allowed) == PAGE
    assert page_url("http://127.0.0.1:8001/?cart=x", allowed) == "http://127.0.0.1:8001/?cart=x"
    assert page_url("https://maisonhollis.example:443/", allowed) == "https://maisonhollis.example:443/"
    for foreign in (
        "https://evil.example/",
        "https://maisonhollis.example.evil.example/",
        "https://user@maisonhollis.example/",
        "javascript:alert(1)",
        "//maisonhollis.example/",
        "https://maisonhollis.example/\r\nSet-Cookie: a=b",
        "https://maisonhollis.example/" + "a" * 2001,
    ):
        assert page_url(foreign, allowed) == "", foreign
    assert origin_of("http://LOCALHOST:80/x") == "http://localhost"


def test_state_replaces_its_names_in_the_query_and_keeps_the_rest() -> None:
    assert with_query(PAGE, {"cart": "c1", "variant": None}) == f"{BRAND_SITE}/bags/noa?cart=c1"
    assert with_query(f"{BRAND_SITE}?a=1&cart=old#top", {"cart": "new"}) == f"{BRAND_SITE}/?a=1&cart=new"


def test_links_lead_back_to_the_page_when_there_is_one() -> None:
    links = Links(api_base="https://api.test", key="pk_x", page=PAGE, cart="c1")
    assert links.page_link(view="checkout") == f"{PAGE}&view=checkout"
    action = query_of(links.action("add-to-cart"))
    assert action == {"key": "pk_x", "return_to": PAGE, "cart": "c1"}
    assert query_of(links.component("mini-cart"))["return_to"] == PAGE
    plain = Links(api_base="https://api.test", key="pk_x")
    assert plain.page_link(view="checkout") is None and "return_to" not in plain.action("checkout")


# --- fragments a brand's server renders ---------------------------------------------------------


async def test_a_fragment_fetched_with_a_bearer_publishable_key_carries_it_in_its_forms(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await brand_shop(client, make_brand)
    pk, sk = shop.brand.publishable_key, shop.brand.secret_key
    page = await client.get(f"/v1/components/product-page?product={shop.product}", headers=auth(pk))
    assert page.status_code == 200, page.text
    action = ACTION.search(page.text)
    assert action is not None and query_of(action.group(1).replace("&amp;", "&"))["key"] == pk
    secret = await client.get(f"/v1/components/product-page?product={shop.product}", headers=auth(sk))
    assert secret.status_code == 200 and sk not in secret.text and "sk_" not in secret.text


async def test_return_to_must_be_the_brands_page(client: Client, make_brand: MakeBrand) -> None:
    shop = await brand_shop(client, make_brand)
    pk = shop.brand.publishable_key
    base = "/v1/components/product-page"
    ours = await client.get(base, params={"product": shop.product, "return_to": PAGE}, headers=auth(pk))
    assert ours.status_code == 200
    action = ACTION.search(ours.text)
    assert action is not None and query_of(action.group(1).replace("&amp;", "&"))["return_to"] == PAGE
    foreign = await client.get(
        base, params={"product": shop.product, "return_to": "https://evil.example/"}, headers=auth(pk)
    )
    assert foreign.status_code == 422 and "allowed origins" in foreign.text


# --- plain posts ------------------------------------------------------------------------------------


async def test_a_plain_add_answers_303_back_to_the_page_with_the_bag(client: Client, make_brand: MakeBrand) -> None:
    shop = await brand_shop(client, make_brand)
    pk = shop.brand.publishable_key
    rendered = await client.get(
        "/v1/components/product-page", params={"product": shop.product, "return_to": PAGE}, headers=auth(pk)
    )
    action = ACTION.search(rendered.text)
    assert action is not None
    url = action.group(1).replace("&amp;", "&")
    added = await plain_post(client, url, **add_fields(shop))
    assert added.status_code == 303, added.text
    location = added.headers["location"]
    assert location.startswith(f"{BRAND_SITE}/bags/noa?")
    state = query_of(location)
    assert state["variant"] == shop.sku and state["method"] == "pickup" and state["cart"]
    assert (await cart_json(client, shop, state["cart"]))["lines"][0]["quantity"] == 1

    # The page, rendered with that cart, adds the next piece to the same bag (its buy box has no cart field).
    again = await client.get(
        "/v1/components/product-page",
        params={"product": shop.product, "return_to": location, "cart": state["cart"]},
        headers=auth(pk),
    )
    action = ACTION.search(again.text)
    assert action is not None
    second = await plain_post(client, action.group(1).replace("&amp;", "&"), **add_fields(shop))
    assert query_of(second.headers["location"])["cart"] == state["cart"]
    assert (await cart_json(client, shop, state["cart"]))["lines"][0]["quantity"] == 2

    # htmx still gets the fragment.
    swapped = await client.post(url, data=add_fields(shop), headers={"Origin": BRAND_SITE, "HX-Request": "true"})
    assert swapped.status_code == 200 and "sk-mini-cart" in swapped.text


async def test_a_refused_plain_post_shows_the_form_in_words_with_a_way_back(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await brand_shop(client, make_brand, shop_units=2)
    url = f"/v1/components/add-to-cart?key={shop.brand.publishable_key}&return_to={PAGE.replace('&', '%26')}"
    refused = await plain_post(client, url, **add_fields(shop, quantity="5"))
    assert refused.status_code == 200
    assert refused.text.startswith("<!doctype html>") and refused.headers["cache-control"] == "no-store"
    assert re.search(r'name="quantity"[^>]*aria-invalid="true"', refused.text)
    assert f'href="{PAGE.replace("&", "&amp;")}">Back to the shop' in refused.text
    assert "return_to=" in refused.text  # its form, corrected, comes back to the brand's page
    assert "/static/themes/default.css" in refused.text
    words = text_of(refused.text)
    assert "out_of_stock" not in words and "{" not in words

    # Posted from that page of ours: our own origin is let through.
    own = await client.post(url, data=add_fields(shop), headers={"Origin": "http://testserver"})
    assert own.status_code == 303


async def test_a_foreign_page_or_origin_is_refused(client: Client, make_brand: MakeBrand) -> None:
    shop = await brand_shop(client, make_brand)
    pk = shop.brand.publishable_key
    url = f"/v1/components/add-to-cart?key={pk}&return_to=https://evil.example/"
    refused = await plain_post(client, url, **add_fields(shop))
    assert refused.status_code == 400 and "location" not in refused.headers
    assert "only send you back to a page of the shop" in refused.text
    foreign = await client.post(
        f"/v1/components/add-to-cart?key={pk}", data=add_fields(shop), headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403 and foreign.json()["code"] == "origin_not_allowed"
    # A post naming no page (an API client) gets the fragment, as before.
    bare = await client.post(f"/v1/components/add-to-cart?key={pk}", data=add_fields(shop))
    assert bare.status_code == 200 and cart_of(bare.text)


async def test_a_bag_edit_without_script_returns_to_the_page(client: Client, make_brand: MakeBrand) -> None:
    shop = await brand_shop(client, make_brand)
    pk = shop.brand.publishable_key
    cart = cart_of((await client.post(f"/v1/components/add-to-cart?key={pk}", data=add_fields(shop))).text)
    bag = await client.get("/v1/components/mini-cart", params={"cart": cart, "return_to": PAGE}, headers=auth(pk))
    assert f'href="{PAGE.replace("&", "&amp;")}&amp;cart={cart}&amp;view=checkout"' in bag.text  # no bare fragment
    line = (await cart_json(client, shop, cart))["lines"][0]["id"]
    action = re.search(r'<form class="sk-mini-cart__edit" method="post" action="([^"]+)"', bag.text)
    assert action is not None
    fields = {"source": "mini-cart", "cart": cart, "line": line, "product": "", "live": "1"}
    more = await plain_post(client, action.group(1).replace("&amp;", "&"), **fields, quantity="2")
    assert more.status_code == 303 and query_of(more.headers["location"])["cart"] == cart
    assert (await cart_json(client, shop, cart))["lines"][0]["quantity"] == 2
