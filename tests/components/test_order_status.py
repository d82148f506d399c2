"""The shopper's order page (``order-status``) and the checkout form's delivery and pickup details.

Pure builders first (no database), then the whole journey over HTTP against the in-memory
FakeGateway: the form refuses an address the courier does not serve beside the postcode, the
confirmation shows the pickup code with its QR and links to the order page, and that page loads
with the link's token and with nothing else.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import pytest_asyncio
from litestar import Litestar

from components import checkout, order_status
from components.context import Links, LoadContext
from components.rendering import Renderer
from components.theming import available_themes, load_theme
from storefront.errors import NotFound
from storefront.money import Money
from storefront.orders.schemas import (
    AddressOut,
    FulfilmentStatusOut,
    OrderStatusOut,
    PieceOut,
    ProvenanceStepOut,
    TrackingOut,
)
from storefront.payments.fake import FakeGateway
from storefront.settings import Settings
from storefront.tenancy.schemas import Principal
from tests.checkout.conftest import app_with_fake_payments
from tests.commerce import Shop, open_shop
from tests.components.test_builders import LINKS, make_brand
from tests.components.test_commerce_builders import LOCAL, NOW, cart_out
from tests.conftest import MakeBrand

Client = httpx.AsyncClient
WEBHOOK_SECRET = "whsec_fake_order_status"


def status_out(*, fulfilled_at: datetime | None = None, status: str = "ready_for_pickup") -> OrderStatusOut:
    latest = NOW + timedelta(hours=6)
    piece = PieceOut(
        title="Noa Micro Bag — Tan",
        quantity=1,
        provenance=[
            ProvenanceStepOut(stage="assembly", place="London", country="GB", maker="Hackney studio", occurred_on=None),
            ProvenanceStepOut(
                stage="material", place="Santa Croce", country="IT", maker="Walpier", occurred_on=date(2027, 3, 1)
            ),
        ],
    )
    pickup = FulfilmentStatusOut(
        id=uuid.uuid4(),
        method="pickup",
        status=status,
        location="market-street",
        promised_earliest=NOW,
        promised_latest=latest,
        timezone="Europe/London",
        fulfilled_at=fulfilled_at,
        on_time=None if fulfilled_at is None else fulfilled_at <= latest,
        late=False,
        pickup_code="7KQ2MX",
        address=None,
        collector="Grace Hopper",
        pieces=[piece],
        tracking=[TrackingOut(status="pending_payment", at=NOW), TrackingOut(status="paid", at=NOW)],
    )
    courier = FulfilmentStatusOut(
        id=uuid.uuid4(),
        method="courier",
        status="paid",
        location="market-street",
        promised_earliest=NOW - timedelta(hours=3),
        promised_latest=NOW - timedelta(hours=1),
        timezone="Europe/London",
        fulfilled_at=None,
        on_time=None,
        late=True,
        pickup_code=None,
        address=AddressOut(
            name="Ada Lovelace", line1="12 Columbia Road", line2="", city="London", postcode="E2 7RG", country="GB"
        ),
        collector=None,
        pieces=[piece],
        tracking=[],
    )
    return OrderStatusOut(
        id=uuid.uuid4(),
        number="SK-7Q2K9XAB",
        status="paid",
        placed_at=NOW,
        total=Money(amount=28_000, currency="GBP"),
        fulfilments=[pickup, courier],
    )


def render(name: str, props: object, theme: str = "default") -> str:
    folder = name.replace("-", "_")
    return Renderer().render(load_theme(theme), f"{folder}/{name}.html.jinja", props, "en_GB")  # type: ignore[arg-type]


def test_the_order_page_shows_each_part_against_its_promise() -> None:
    props = order_status.build(status_out(), make_brand(), NOW, {"market-street": "Market Street"})
    pickup, courier = props.fulfilments
    assert (pickup.heading, pickup.status_text, pickup.pickup_code) == (
        "Collect at Market Street",
        "Ready to collect",
        "7KQ2MX",
    )
    assert pickup.qr_svg is not None and pickup.qr_svg.startswith('<svg role="img"')
    assert "<title>Pickup code 7 K Q 2 M X</title>" in pickup.qr_svg
    assert [s.stage for s in pickup.pieces[0].provenance] == ["material", "assembly"]  # forwards, by stage
    assert [t.label for t in pickup.tracking] == ["Awaiting payment", "Confirmed"]
    assert courier.verdict == "Running late: later than promised" and pickup.verdict is None
    assert courier.address_lines == ["Ada Lovelace", "12 Columbia Road", "London", "E2 7RG", "United Kingdom"]
    assert pickup.promise_text == "Promised by 17:46 today"


def test_a_collected_pickup_shows_no_code_and_says_if_it_was_on_time() -> None:
    done = status_out(status="fulfilled", fulfilled_at=NOW + timedelta(hours=1))
    pickup = order_status.build(done, make_brand(), NOW).fulfilments[0]
    assert (pickup.status_text, pickup.pickup_code, pickup.qr_svg, pickup.verdict) == (
        "Collected",
        None,
        None,
        "On time",
    )


@pytest.mark.parametrize("theme", available_themes())
def test_the_order_page_renders_under_every_theme(theme: str) -> None:
    page = render("order-status", order_status.build(status_out(), make_brand(), NOW), theme)
    assert "Order SK-7Q2K9XAB" in page and "7KQ2MX" in page and "<svg" in page
    assert "Running late: later than promised" in page  # in words, not colour alone
    assert "<address" in page and "12 Columbia Road" in page and "Santa Croce" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and all(i.startswith("sk-order-status-") for i in ids)


def test_the_form_asks_only_for_what_the_bag_needs() -> None:
    pickup_only = checkout.build(cart_out(), LINKS, make_brand(), LOCAL, NOW)
    assert pickup_only.address_fields == [] and [f.name for f in pickup_only.contact_fields] == ["collector"]
    both = checkout.build(cart_out(lines=2), LINKS, make_brand(), LOCAL, NOW)
    assert [f.name for f in both.contact_fields] == ["phone", "collector"]
    page = render("checkout", both)
    for autocomplete in ("shipping address-line1", "shipping postal-code", "shipping country", "tel"):
        assert f'autocomplete="{autocomplete}"' in page
    assert re.search(r'<label [^>]*for="([^"]+-address_postcode)">Postcode</label>', page)
    assert 'name="address_line2"' in page and not re.search(r'name="address_line2"[^>]*required', page)
    assert re.search(r'name="phone"[^>]*type|type="tel" name="phone"', page)


# --- over HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(database: Settings) -> Litestar:
    return app_with_fake_payments(
        database, FakeGateway(webhook_secret=WEBHOOK_SECRET, namespace="status"), WEBHOOK_SECRET
    )


@pytest_asyncio.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def post_form(client: Client, shop: Shop, action: str, **fields: str) -> httpx.Response:
    response = await client.post(f"/v1/components/{action}", params={"key": shop.brand.publishable_key}, data=fields)
    assert response.status_code == 200, response.text
    return response


def cart_of(page: str) -> str:
    found = re.search(r'name="cart" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'id="[^"]+-{field}-error">([^<]+)</p>', page)
    assert found, page
    return html.unescape(found.group(1))


ADDRESS = {
    "address_name": "Ada Lovelace",
    "address_line1": "12 Columbia Road",
    "address_city": "London",
    "address_country": "GB",
    "phone": "07700 900123",
    "collector": "Grace Hopper",
}


async def load_page(app: Litestar, shop: Shop, url: str) -> order_status.OrderStatusProps:
    """The order-status component's own loader, with the link's query as its parameters."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    brand = shop.brand.brand
    ctx = LoadContext(
        principal=Principal(brand_id=brand.id, kind="publishable", catalog_version=0, allowed_origins=()),
        brand=brand,
        caches=app.state.read_caches,
        shared=app.state.component_caches,
        links=Links(api_base="http://testserver", key=shop.brand.publishable_key),
        params=params,
    )
    return await order_status.load(ctx)


async def test_check_out_a_courier_and_a_pickup_through_the_form(
    client: Client, app: Litestar, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    key = shop.brand.publishable_key
    fields = {"product": shop.product, "quantity": "1", "source": "add-to-cart"}
    cart = cart_of(
        (
            await post_form(
                client, shop, "add-to-cart", variant=shop.sku, method="pickup", location="market-street", **fields
            )
        ).text
    )
    await post_form(
        client, shop, "add-to-cart", cart=cart, variant=shop.other_sku, method="courier", postcode="E2 8AA", **fields
    )
    details = (await client.get("/v1/components/checkout", params={"key": key, "cart": cart})).text
    assert 'name="address_postcode"' in details and 'name="collector"' in details

    far = (
        await post_form(
            client,
            shop,
            "checkout",
            cart=cart,
            email="ada@example.com",
            name="Ada",
            address_postcode="N16 8AA",
            **ADDRESS,
        )
    ).text
    assert "delivers only in East London, and not to N16 8AA" in error_beside(far, "address_postcode")
    assert re.search(r'name="address_postcode"[^>]*aria-invalid="true"', far) and 'value="N16 8AA"' in far
    assert 'value="12 Columbia Road"' in far  # what the shopper typed is kept

    missing = (
        await post_form(
            client,
            shop,
            "checkout",
            cart=cart,
            email="ada@example.com",
            name="Ada",
            address_postcode="E2 7RG",
            **{**ADDRESS, "phone": "", "collector": ""},
        )
    ).text
    assert error_beside(missing, "phone") == "Enter a phone number for the courier."
    assert "Continue to payment" in missing

    pay = (
        await post_form(
            client,
            shop,
            "checkout",
            cart=cart,
            email="ada@example.com",
            name="Ada",
            address_postcode="e2 7rg",
            **ADDRESS,
        )
    ).text
    assert "with test card" in pay
    done = (await post_form(client, shop, "checkout/confirm", cart=cart, payment_method="pm_card_visa")).text
    code = re.search(r'class="sk-checkout__code"[^>]*>([^<]+)<', done)
    assert code and len(code.group(1)) == 6 and "<svg" in done
    link = re.search(r'class="sk-checkout__order-link" href="([^"]+)"', done)
    assert link, done
    url = html.unescape(link.group(1))
    assert url.startswith("http://testserver/v1/components/order-status?") and f"key={key}" in url

    props = await load_page(app, shop, url)
    by_method = {f.method: f for f in props.fulfilments}
    assert by_method["pickup"].pickup_code == code.group(1) and by_method["pickup"].collector == "Grace Hopper"
    assert by_method["courier"].address_lines[-2:] == ["E2 7RG", "United Kingdom"]
    assert "Order " + props.number in render("order-status", props)
    with pytest.raises(NotFound):
        await load_page(app, shop, re.sub(r"token=[^&]+", "token=" + "B" * 32, url))
    with pytest.raises(NotFound):
        await load_page(app, shop, re.sub(r"order=[^&]+", "order=not-an-id", url))


@pytest.mark.parametrize("theme", available_themes())
def test_without_a_link_the_page_says_where_it_is(theme: str) -> None:
    page = render("order-status", order_status.no_link(make_brand()), theme)
    assert "Your order" in page and order_status.NO_LINK_TEXT in page and "<svg" not in page
