"""The buy box, cart and checkout components over HTTP: fragments, form actions, errors, payment, analytics.

A shop from :mod:`tests.commerce` (a shop and a warehouse with stock, pickup, an East London
courier zone, a workroom, monogram and thread options). Payments run against localstripe
(``stripe_settings``), in an app of their own; the suite's default app has payments off.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from components import fulfilment_promise, mini_cart
from components.plugin import STATIC_DIR, ComponentsPlugin
from components.theming import available_themes
from storefront.app import create_app
from storefront.clock import FixedClock
from storefront.settings import Settings
from tests.commerce import Shop, open_shop, post, receive
from tests.components.test_http import assert_self_contained
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
NOW = datetime(2027, 6, 2, 10, 46, tzinfo=UTC)  # Wednesday 11:46 in London
CART_ID = re.compile(r'data-sk-cart="([0-9a-f-]{36})"')


@pytest_asyncio.fixture(scope="session")
async def paying_app(database: Settings, stripe_settings: Settings) -> AsyncIterator[Litestar]:
    app = create_app(stripe_settings, plugins=[ComponentsPlugin()], manage_database=False)
    yield app
    await app.state["payments"].close()


@pytest_asyncio.fixture
async def paying_client(paying_app: Litestar) -> AsyncIterator[Client]:
    transport = httpx.ASGITransport(app=paying_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    fixed = FixedClock(NOW)
    monkeypatch.setattr(fulfilment_promise, "utcnow", fixed)
    return fixed


async def fragment(client: Client, shop: Shop, name: str, **params: str) -> httpx.Response:
    return await client.get(f"/v1/components/{name}", params={"key": shop.brand.publishable_key, **params})


async def post_form(client: Client, shop: Shop, action: str, **fields: str) -> httpx.Response:
    return await client.post(f"/v1/components/{action}", params={"key": shop.brand.publishable_key}, data=fields)


async def mto_product(client: Client, shop: Shop) -> str:
    """The handle of the shop's made-to-order product."""
    listing = await client.get("/v1/products", params={"limit": 10}, headers=auth(shop.brand.secret_key))
    for summary in listing.json()["data"]:
        if summary["handle"] != shop.product:
            return str(summary["handle"])
    raise AssertionError("no made-to-order product")


def add_fields(shop: Shop, **fields: str) -> dict[str, str]:
    return {
        "cart": "",
        "product": shop.product,
        "variant": shop.sku,
        "method": "pickup",
        "location": "",
        "postcode": "",
        "quantity": "1",
        "source": "product-page",
        **fields,
    }


def cart_of(html: str) -> str:
    found = CART_ID.findall(html)
    assert found, "the answer names no cart"
    return found[-1]


async def cart_json(client: Client, shop: Shop, cart: str) -> dict[str, Any]:
    response = await client.get(f"/v1/carts/{cart}", headers=auth(shop.brand.publishable_key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def funnel(client: Client, shop: Shop) -> dict[tuple[str, str, str | None], dict[str, int]]:
    response = await client.get("/v1/analytics/summary", headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    return {
        (g["component"], g["product"], g["method"]): {k: v for k, v in g["counts"].items() if v}
        for g in response.json()["groups"]
    }


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- every new component, every theme, with a shop set up to sell ---------------------------------


@pytest.mark.parametrize("theme", available_themes())
async def test_the_commerce_components_render_self_contained_in_every_theme(
    client: Client, make_brand: MakeBrand, theme: str
) -> None:
    shop = await open_shop(client, make_brand)
    patched = await client.patch("/v1/brand", json={"theme": theme}, headers=auth(shop.brand.secret_key))
    assert patched.status_code == 200, patched.text
    made = await mto_product(client, shop)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    for name, params in [
        ("product-page", {"product": shop.product}),
        ("fulfilment-options", {"product": shop.product, "method": "courier", "postcode": "E2 8AA"}),
        ("fulfilment-promise", {"product": shop.product, "method": "courier", "postcode": "E2 8AA"}),
        ("personalise", {"product": made}),
        ("add-to-cart", {"product": made}),
        ("mini-cart", {"cart": cart}),
        ("checkout", {"cart": cart}),
    ]:
        response = await fragment(client, shop, name, **params)
        assert response.status_code == 200, (name, response.text)
        assert response.text.startswith(f'<div class="sk-root sk-theme-{theme}" data-sk-component="{name}"'), name
        assert_self_contained(response.text)


# --- fulfilment ------------------------------------------------------------------------------------


async def test_fulfilment_options_offer_only_what_the_variant_can_be_had_by(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    at_shop = (await fragment(client, shop, "fulfilment-options", product=shop.product, variant=shop.sku)).text
    assert re.findall(r'data-sk-method="([a-z_]+)"', at_shop) == ["pickup", "courier"]
    assert "Free, at Market Street" in at_shop and "from £7.95" in at_shop
    at_warehouse = (
        await fragment(client, shop, "fulfilment-options", product=shop.product, variant=shop.other_sku)
    ).text
    assert re.findall(r'data-sk-method="([a-z_]+)"', at_warehouse) == ["courier"]
    made = await mto_product(client, shop)
    props = (
        await client.get(
            "/v1/components/fulfilment-options",
            params={"product": made, "key": shop.brand.publishable_key},
            headers={"Accept": "application/json"},
        )
    ).json()
    assert [o["method"] for o in props["options"]] == ["made_to_order"]
    assert props["options"][0]["detail"] == "made for you at Workroom"


async def test_the_promise_as_of_now_for_each_choice(client: Client, make_brand: MakeBrand, clock: FixedClock) -> None:
    shop = await open_shop(client, make_brand)
    common = {"product": shop.product, "variant": shop.sku}
    pickup = await fragment(client, shop, "fulfilment-promise", **common, method="pickup")
    assert pickup.status_code == 200, pickup.text
    assert pickup.headers["cache-control"] == "private, no-cache" and pickup.headers["etag"]
    assert "Ready to collect at Market Street from 12:16" in pickup.text  # 30 minutes' preparation
    by_default = await fragment(client, shop, "fulfilment-promise", **common)
    assert "Ready to collect at Market Street from 12:16" in by_default.text  # the first option: pickup
    courier = await fragment(client, shop, "fulfilment-promise", **common, method="courier", postcode="E2 8AA")
    assert "Order within 2 h 14 min for delivery today 18:00\u201321:00" in courier.text
    assert "Delivery: £7.95" in courier.text
    clock.advance(datetime(2027, 6, 2, 13, 30, tzinfo=UTC) - NOW)  # 14:30 in London: after the cutoff
    tomorrow = await fragment(client, shop, "fulfilment-promise", **common, method="courier", postcode="E2 8AA")
    assert "for delivery tomorrow 18:00\u201321:00" in tomorrow.text
    # No promise is not an error: the fragment says why, as a 200.
    no_postcode = await fragment(client, shop, "fulfilment-promise", **common, method="courier", postcode="")
    assert no_postcode.status_code == 200
    assert "Enter your postcode to see when a courier can bring it; you can collect it at Market Street" in unescape(
        no_postcode.text
    )
    far = await fragment(client, shop, "fulfilment-promise", **common, method="courier", postcode="SW1A 1AA")
    assert "We don't deliver to SW1A 1AA by courier yet; you can collect it at Market Street" in unescape(far.text)
    not_made = await fragment(client, shop, "fulfilment-promise", **common, method="made_to_order")
    assert "This piece isn" in not_made.text
    props = (
        await client.get(
            "/v1/components/fulfilment-promise",
            params={**common, "method": "pickup", "key": shop.brand.publishable_key},
            headers={"Accept": "application/json"},
        )
    ).json()
    assert (props["status"], props["location"], props["rule"]) == (
        "promised",
        "market-street",
        "pickup.prep_within_opening_hours",
    )


async def test_bad_fulfilment_parameters_are_problems(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    for params in ({"method": "teleport"}, {"postcode": "E2 7RG\x00"}, {"cart": "not-a-cart"}):
        response = await fragment(client, shop, "fulfilment-promise", product=shop.product, **params)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_personalise_shows_the_brands_options_for_made_to_order_pieces(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    made = (await fragment(client, shop, "personalise", product=await mto_product(client, shop))).text
    assert 'name="personalisation.monogram"' in made and 'pattern="[A-Za-z]{1,3}"' in made and 'maxlength="3"' in made
    assert "+£15.00" in made and '<option value="navy">Navy</option>' in made
    plain = (await fragment(client, shop, "personalise", product=shop.product)).text
    assert "t made to order, so it can" in plain and "<form" not in plain


async def test_the_product_page_holds_the_buy_box(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    page = (await fragment(client, shop, "product-page", product=shop.product)).text
    form = re.search(r'<form class="sk-add-to-cart__form"[^>]*>', page)
    assert form is not None
    assert 'method="post"' in form.group(0) and "/v1/components/add-to-cart?key=pk_" in form.group(0)
    assert '<input type="hidden" name="source" value="product-page">' in page
    assert 'data-sk-event="fulfilment_select" data-sk-method="pickup"' in page
    assert 'class="sk-fulfilment-promise sk-fulfilment-promise--pending"' in page and 'hx-trigger="load"' in page
    assert 'data-sk-slot="trade-in"></div>' in page


# --- add to cart -----------------------------------------------------------------------------------


async def test_add_to_cart_starts_a_cart_and_answers_with_the_mini_cart(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    first = await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/html")
    assert first.headers["hx-trigger-after-swap"] == "sk-cart"
    assert first.headers["cache-control"] == "no-store"
    assert first.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="add-to-cart">')
    cart = cart_of(first.text)
    assert f'<input type="hidden" name="cart" value="{cart}">' in first.text  # the next add reuses it
    words = text_of(first.text)
    assert "Your bag (2 items)" in words and "£250.00" in words and "Checkout" in words
    assert re.search(r'value="pickup"\s+checked', first.text)  # the choice is kept
    again = await post_form(client, shop, "add-to-cart", **add_fields(shop, cart=cart))
    assert cart_of(again.text) == cart
    body = await cart_json(client, shop, cart)
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [(shop.sku, 3)]
    courier = await post_form(
        client,
        shop,
        "add-to-cart",
        **add_fields(shop, cart=cart, variant=shop.other_sku, method="courier", postcode="e2 8aa"),
    )
    assert "Courier to E2 8AA" in text_of(courier.text)
    assert len((await cart_json(client, shop, cart))["lines"]) == 2


async def test_add_to_cart_records_the_event_with_the_method(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    await post_form(client, shop, "add-to-cart", **add_fields(shop))
    await post_form(
        client, shop, "add-to-cart", **add_fields(shop, method="courier", postcode="E1 6AN", source="add-to-cart")
    )
    counts = await funnel(client, shop)
    assert counts[("product-page", shop.product, "pickup")] == {"add_to_cart": 1}
    assert counts[("add-to-cart", shop.product, "courier")] == {"add_to_cart": 1}


async def test_a_refused_line_comes_back_as_the_form_with_errors_by_their_fields(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    made = await mto_product(client, shop)
    listing = await client.get(f"/v1/products/{made}", headers=auth(shop.brand.publishable_key))
    sku = listing.json()["variants"][0]["sku"]
    response = await post_form(
        client,
        shop,
        "add-to-cart",
        **add_fields(
            shop,
            product=made,
            variant=sku,
            method="made_to_order",
            **{"personalisation.monogram": "abcd", "personalisation.thread": "navy"},
        ),
    )
    assert response.status_code == 200  # htmx swaps it like any answer
    html = response.text
    assert "data-sk-cart=" not in html  # no mini-cart: nothing was added
    field = re.search(r'<input[^>]*name="personalisation\.monogram"[^>]*>', html)
    assert field is not None
    assert 'value="abcd"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    error_id = re.search(r'aria-describedby="([^"]+)"', field.group(0))
    assert error_id is not None
    assert re.search(rf'<p class="sk-field__error" id="{error_id.group(1)}">[^<]+</p>', html)
    assert '<option value="navy" selected>' in html
    kept = re.search(r'name="cart" value="([0-9a-f-]*)"', html)
    assert kept is not None
    if kept.group(1):  # a cart may have been started; it holds nothing
        assert (await cart_json(client, shop, kept.group(1)))["lines"] == []

    no_postcode = await post_form(client, shop, "add-to-cart", **add_fields(shop, method="courier"))
    assert re.search(r'name="postcode"[^>]*aria-invalid="true"', no_postcode.text)
    assert "a courier delivery needs a postcode" in no_postcode.text.lower()

    none = await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="0"))
    assert "Choose a quantity from 1 to 99." in none.text
    assert re.search(r'name="quantity"[^>]*aria-invalid="true"', none.text)

    personalised_pickup = await post_form(
        client, shop, "add-to-cart", **add_fields(shop, **{"personalisation.monogram": "AB"})
    )
    assert "Only made-to-order pieces can be personalised." in personalised_pickup.text


async def test_a_checked_out_foreign_or_broken_cart_id_starts_a_new_cart(client: Client, make_brand: MakeBrand) -> None:
    shop, stranger = await open_shop(client, make_brand), await open_shop(client, make_brand)
    theirs = cart_of((await post_form(client, stranger, "add-to-cart", **add_fields(stranger))).text)
    for given in (theirs, "not-a-cart", str(uuid.uuid4())):
        response = await post_form(client, shop, "add-to-cart", **add_fields(shop, cart=given))
        mine = cart_of(response.text)
        assert mine != theirs
        assert [line["sku"] for line in (await cart_json(client, shop, mine))["lines"]] == [shop.sku]
    assert len((await cart_json(client, stranger, theirs))["lines"]) == 1  # untouched


async def test_the_standalone_personalise_form_answers_as_itself(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    made = await mto_product(client, shop)
    sku = (await client.get(f"/v1/products/{made}", headers=auth(shop.brand.publishable_key))).json()["variants"][0][
        "sku"
    ]
    fields = {"product": made, "variant": sku, "method": "made_to_order", "quantity": "1", "source": "personalise"}
    response = await post_form(client, shop, "add-to-cart", **fields, **{"personalisation.monogram": "ADA"})
    assert response.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="personalise">')
    assert "Monogram: ADA" in response.text
    lines = (await cart_json(client, shop, cart_of(response.text)))["lines"]
    assert lines[0]["personalisation"][0]["value"] == "ADA"
    assert lines[0]["unit_price"]["amount"] == 30_000 + 1_500


async def test_what_no_field_can_fix_is_an_error_fragment(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    unknown = await post_form(client, shop, "add-to-cart", **add_fields(shop, product="no-such-bag"))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("text/html")
    assert '<p class="sk-embed-error" role="alert">' in unknown.text
    nothing = await post_form(client, shop, "lookbook")
    assert nothing.status_code == 404 and "No form action named" in nothing.text
    anonymous = await client.post("/v1/components/add-to-cart", data=add_fields(shop))
    assert anonymous.status_code == 401


# --- mini cart -------------------------------------------------------------------------------------


async def test_mini_cart_reads_the_cart_it_is_given(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    mini = await fragment(client, shop, "mini-cart", cart=cart)
    assert mini.status_code == 200 and mini.headers["cache-control"] == "private, no-cache"
    words = text_of(mini.text)
    assert "Your bag (1 item)" in words and "Ready to collect at Market Street" in words and "£125.00" in words
    assert 'hx-trigger="sk-cart from:body"' in mini.text  # on a page of its own it listens for added lines
    assert f"/v1/components/checkout?cart={cart}" in mini.text
    for unknown in ("", str(uuid.uuid4())):
        empty = await fragment(client, shop, "mini-cart", cart=unknown)
        assert empty.status_code == 200 and "Your bag is empty." in empty.text


# --- checkout --------------------------------------------------------------------------------------


async def test_without_payments_checkout_says_so_and_places_nothing(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    page = await fragment(client, shop, "checkout", cart=cart)
    assert "take payments online yet" in page.text and "<form" not in page.text
    posted = await post_form(client, shop, "checkout", cart=cart, email="ada@example.com", name="Ada")
    assert posted.status_code == 200 and "take payments online yet" in posted.text
    body = await cart_json(client, shop, cart)
    assert (body["status"], body["order"]) == ("open", None)


async def test_checkout_and_pay_with_the_test_card(paying_client: Client, make_brand: MakeBrand) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand, shop_units=3)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))).text)

    details = await fragment(client, shop, "checkout", cart=cart, product=shop.product)
    assert 'type="email" name="email"' in details.text and "/v1/components/checkout?key=pk_" in details.text
    assert f'<input type="hidden" name="cart" value="{cart}">' in details.text

    bad = await post_form(client, shop, "checkout", cart=cart, email="not an email", name="Ada", product=shop.product)
    assert bad.status_code == 200
    assert re.search(r'name="email"[^>]*aria-invalid="true"', bad.text) and 'value="not an email"' in bad.text
    assert (await cart_json(client, shop, cart))["order"] is None

    pay = await post_form(
        client, shop, "checkout", cart=cart, email="ada@example.com", name="Ada", product=shop.product
    )
    assert pay.status_code == 200, pay.text
    assert '<input type="hidden" name="payment_method" value="pm_card_visa">' in pay.text
    assert "Pay £250.00 with test card" in pay.text and "/v1/components/checkout/confirm?key=pk_" in pay.text
    number = re.search(r"order (\S+-\S+)", text_of(pay.text))
    assert number is not None and "Awaiting payment" in pay.text
    # Back later (a reload, a trip to the bank): the bag links to its payment step.
    mini = (await fragment(client, shop, "mini-cart", cart=cart)).text
    assert "Finish paying" in mini and f'data-sk-cart="{cart}"' in mini
    resumed = await fragment(client, shop, "checkout", cart=cart)
    assert "Pay £250.00 with test card" in resumed.text

    paid = await post_form(client, shop, "checkout/confirm", cart=cart, payment_method="pm_card_visa")
    assert paid.status_code == 200, paid.text
    assert f"Paid — order {number.group(1)}" in paid.text
    assert 'data-sk-cart=""' in paid.text  # the embed loader forgets the cart
    assert (await cart_json(client, shop, cart))["order"]["status"] == "paid"

    again = await post_form(client, shop, "checkout/confirm", cart=cart, payment_method="pm_card_visa")
    assert f"Paid — order {number.group(1)}" in again.text
    counts = await funnel(client, shop)
    assert counts[("checkout", shop.product, "pickup")] == {"checkout_start": 1, "purchase": 1}  # once each
    assert counts[("product-page", shop.product, "pickup")] == {"add_to_cart": 1}

    after = await post_form(client, shop, "add-to-cart", **add_fields(shop, cart=cart))
    assert cart_of(after.text) != cart  # a checked-out cart is never added to


async def test_a_declined_card_stays_on_the_payment_step(paying_client: Client, make_brand: MakeBrand) -> None:
    client = paying_client
    shop = await open_shop(client, make_brand)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    await post_form(client, shop, "checkout", cart=cart, email="ada@example.com", name="Ada")  # Ada collects it
    declined = await post_form(client, shop, "checkout/confirm", cart=cart, payment_method="pm_card_chargeCustomerFail")
    assert declined.status_code == 200, declined.text
    assert "The payment didn" in declined.text and "Please try again." in declined.text
    assert 'name="payment_method" value="pm_card_visa"' in declined.text  # try again
    assert (await cart_json(client, shop, cart))["order"]["status"] == "pending_payment"
    # (localstripe refuses to confirm an intent again after a decline, which Stripe allows, so the
    # second try is not driven here.)


# --- the card payment script -----------------------------------------------------------------------


async def test_the_stripe_script_is_served_for_the_payment_step_only(client: Client) -> None:
    script = await client.get("/static/components/stripe-checkout.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    for needle in (
        "https://js.stripe.com/v3/",
        "[data-sk-stripe]",
        "confirmPayment",
        "requestSubmit",
        "htmx:afterSwap",
    ):
        assert needle in script.text, needle
    embed = (STATIC_DIR / "embed.js").read_text()
    assert "/static/components/stripe-checkout.js" in embed and "js.stripe.com" not in embed


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_stripe_script_parses() -> None:
    result = subprocess.run(  # noqa: S603 - a fixed command on our own file
        [shutil.which("node") or "node", "--check", str(STATIC_DIR / "lazy" / "stripe-checkout.js")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- an editable bag that never takes more than can be had -----------------------------------------


def bag_form(html: str, line: str) -> dict[str, str]:
    """The hidden fields of the bag's form for ``line`` (what the browser posts with any of its buttons)."""
    found = re.search(r'<form class="sk-mini-cart__edit"(.*?)</form>', html.split(f'data-sk-line="{line}"', 1)[1], re.S)
    assert found, f"no edit form for line {line}"
    return dict(re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', found.group(1)))


def bag_buttons(html: str, line: str) -> list[tuple[str, str]]:
    """The (name, value) of each submit button of the line's form, with ``disabled`` marked by a "!" prefix."""
    part = html.split(f'data-sk-line="{line}"', 1)[1].split("</form>", 1)[0]
    return [
        (("!" if "disabled" in attrs else "") + name, value)
        for attrs, name, value in (
            (m.group(0), m.group(1), m.group(2))
            for m in re.finditer(r'<button[^>]*type="submit" name="([a-z]+)" value="([^"]*)"[^>]*>', part)
        )
    ]


async def test_a_bag_line_is_stepped_and_removed_by_its_own_forms(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))).text)
    line = (await cart_json(client, shop, cart))["lines"][0]["id"]
    bag = (await fragment(client, shop, "mini-cart", cart=cart)).text
    assert bag_buttons(bag, line) == [("quantity", "1"), ("quantity", "3"), ("remove", "1")]
    fields = bag_form(bag, line)
    assert fields == {"source": "mini-cart", "cart": cart, "line": line, "product": "", "live": "1"}
    form = re.search(r'<form class="sk-mini-cart__edit"[^>]*>', bag)
    assert (
        form is not None and 'method="post"' in form.group(0) and 'hx-target="closest .sk-mini-cart"' in form.group(0)
    )

    more = await post_form(client, shop, "add-to-cart", **fields, quantity="3")
    assert more.status_code == 200 and more.headers["hx-trigger-after-swap"] == "sk-cart"  # every bag updates
    assert more.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="mini-cart">')
    assert "Your bag (3 items)" in text_of(more.text) and "£375.00" in text_of(more.text)
    assert 'hx-trigger="sk-cart from:body"' in more.text  # it stays live, as it was
    again = await post_form(client, shop, "add-to-cart", **fields, quantity="3")  # a double click, a retry
    assert (await cart_json(client, shop, cart))["lines"][0]["quantity"] == 3 and "(3 items)" in again.text

    gone = await post_form(client, shop, "add-to-cart", **fields, remove="1")
    assert gone.headers["hx-trigger-after-swap"] == "sk-cart"
    assert "Your bag is empty." in gone.text and (await cart_json(client, shop, cart))["lines"] == []
    twice = await post_form(client, shop, "add-to-cart", **fields, remove="1")
    assert twice.status_code == 200 and "Your bag is empty." in twice.text
    assert "hx-trigger-after-swap" not in twice.headers  # nothing changed


async def test_one_more_than_the_shop_holds_is_refused_beside_its_line(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=2)
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="2"))).text)
    line = (await cart_json(client, shop, cart))["lines"][0]["id"]
    fields = bag_form((await fragment(client, shop, "mini-cart", cart=cart)).text, line)
    refused = await post_form(client, shop, "add-to-cart", **fields, quantity="3")
    assert refused.status_code == 200 and "hx-trigger-after-swap" not in refused.headers
    beside = refused.text.split(f'data-sk-line="{line}"', 1)[1].split("</li>", 1)[0]
    title = (await client.get(f"/v1/products/{shop.product}", headers=auth(shop.brand.publishable_key))).json()["title"]
    assert f"Only 2 of {title} in Tan can be collected at Market Street; you asked for 3." in unescape(beside)
    assert (await cart_json(client, shop, cart))["lines"][0]["quantity"] == 2
    nonsense = await post_form(client, shop, "add-to-cart", **fields, quantity="lots")
    assert "Choose a quantity from 1 to 99." in nonsense.text


async def test_adding_more_than_there_is_is_refused_beside_the_quantity(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=4)
    response = await post_form(client, shop, "add-to-cart", **add_fields(shop, quantity="50"))
    assert response.status_code == 200 and "hx-trigger-after-swap" not in response.headers
    html = unescape(response.text)
    assert "can be collected at Market Street; you asked for 50." in html
    assert re.search(r'name="quantity"[^>]*aria-invalid="true"', html)
    assert "data-sk-cart=" not in html  # no bag: nothing was added


async def test_enter_in_the_form_refreshes_the_choice_and_adds_nothing(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    page = (await fragment(client, shop, "add-to-cart", product=shop.product)).text
    buttons = re.findall(r'<button[^>]*type="submit"[^>]*>', page)
    assert 'name="intent" value="update"' in buttons[0]  # the default button: the one Enter presses
    assert "intent" not in buttons[-1]
    response = await post_form(
        client, shop, "add-to-cart", **add_fields(shop, method="courier", postcode="e2 8aa", intent="update")
    )
    assert response.status_code == 200 and "hx-trigger-after-swap" not in response.headers
    assert "data-sk-cart=" not in response.text
    assert re.search(r'name="postcode"[^>]*value="e2 8aa"', response.text)
    assert re.search(r'value="courier"\s+checked', response.text)
    assert "postcode=e2+8aa" in response.text  # its promise is fetched for the postcode typed


async def test_personalisation_stays_on_the_form_after_adding(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    made = await mto_product(client, shop)
    sku = (await client.get(f"/v1/products/{made}", headers=auth(shop.brand.publishable_key))).json()["variants"][0][
        "sku"
    ]
    fields = add_fields(shop, product=made, variant=sku, method="made_to_order", **{"personalisation.monogram": "ADA"})
    response = await post_form(client, shop, "add-to-cart", **fields)
    assert "Monogram: ADA" in response.text  # added
    assert re.search(r'name="personalisation\.monogram"[^>]*value="ADA"', response.text)  # and kept


async def _micro_product(client: Client, shop: Shop, location: str) -> str:
    """A micro pouch (longest side 8.5 cm), 3 in stock at ``location``."""
    small = {"length_mm": 85, "width_mm": 20, "height_mm": 60}
    made = await post(
        client, shop.brand, "/v1/products", product_body(title="Pip micro pouch", dimensions=small, price=4_500)
    )
    await receive(client, shop.brand, made["variants"][0]["sku"], location, 3)
    return str(made["handle"])


async def test_the_bag_suggests_one_smaller_piece_that_comes_the_same_way(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    micro = await _micro_product(client, shop, "market-street")
    chosen = add_fields(shop, location="market-street")
    cart = cart_of((await post_form(client, shop, "add-to-cart", **chosen)).text)
    bag = (await fragment(client, shop, "mini-cart", cart=cart)).text
    suggestions = re.findall(r'<form class="sk-mini-cart__add-on"(.*?)</form>', bag, re.S)
    assert len(suggestions) == 1
    assert "Goes with it: Pip micro pouch , Tan (Micro), £45.00" in text_of(suggestions[0])
    fields = dict(re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', suggestions[0]))
    assert (fields["product"], fields["method"], fields["location"]) == (micro, "pickup", "market-street")
    added = await post_form(client, shop, "add-to-cart", **fields)
    assert added.headers["hx-trigger-after-swap"] == "sk-cart"
    assert added.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="mini-cart">')
    assert [line["product"] for line in (await cart_json(client, shop, cart))["lines"]] == [shop.product, micro]
    assert "sk-mini-cart__add-on" not in added.text  # in the bag now: nothing smaller left to suggest


async def test_no_suggestion_that_cannot_come_the_bags_way(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    await _micro_product(client, shop, "warehouse")  # couriered only: the bag's line is collected
    cart = cart_of((await post_form(client, shop, "add-to-cart", **add_fields(shop))).text)
    assert "sk-mini-cart__add-on" not in (await fragment(client, shop, "mini-cart", cart=cart)).text
    by_courier = await post_form(
        client, shop, "add-to-cart", **add_fields(shop, cart="", method="courier", postcode="E2 8AA")
    )
    assert "Goes with it: Pip micro pouch" in text_of(
        (await fragment(client, shop, "mini-cart", cart=cart_of(by_courier.text))).text
    )


def test_an_add_on_is_micro_or_mini_and_smaller_than_the_bag() -> None:
    assert [c for c in ("micro", "mini", "standard", "oversized") if mini_cart.smaller(c, "oversized")] == [
        "micro",
        "mini",
    ]
    assert mini_cart.smaller("micro", "mini") and not mini_cart.smaller("mini", "mini")
    assert not mini_cart.smaller("micro", "micro")  # a micro bag gets no add-on: nothing is smaller
