"""Hostile input at the edge (DESIGN section 14, "Input"): bytes that are not text, control characters,
lookalike identifiers, numbers beyond int64, limits that disagree, and brand settings the code can't use.

Each refusal is a 4xx problem document naming the field, and changes nothing. The sweeps walk
the OpenAPI document, so a route added later is probed too; ``tests/test_schema_columns.py``
checks the same rules on the schemas themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.decoding import decode_json_body
from storefront.errors import InvalidInput, MalformedRequest
from storefront.payments.fake import FakeGateway
from storefront.settings import Secret, Settings
from storefront.tenancy import NewBrand
from storefront.tenancy import service as tenancy
from tests.api.test_bad_input import assert_problem
from tests.checkout.conftest import cart_with, checkout
from tests.commerce import Shop, new_cart, open_shop
from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient
JSON = {"Content-Type": "application/json"}
INVALID_UTF8 = b'{"sku":"\xff\xfe","quantity":1,"fulfilment":{"method":"pickup","location":"market-street"}}'


async def post_form(client: Client, shop: Shop, action: str, **fields: str) -> httpx.Response:
    return await client.post(f"/v1/components/{action}", params={"key": shop.brand.publishable_key}, data=fields)


def add_fields(shop: Shop, **fields: str) -> dict[str, str]:
    base = {"product": shop.product, "variant": shop.sku, "method": "pickup", "location": "market-street"}
    return {**base, "quantity": "1", "source": "product-page", **fields}


async def lines_of(client: Client, shop: Shop, cart: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/carts/{cart}", headers=auth(shop.brand.publishable_key))
    assert response.status_code == 200, response.text
    return response.json()["lines"]  # type: ignore[no-any-return]


# --- bytes that are not text ------------------------------------------------------------------


async def test_invalid_utf8_in_a_json_string_is_400_on_the_named_routes(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    pk, sk = auth(shop.brand.publishable_key), auth(shop.brand.secret_key)
    line = await client.post(f"/v1/carts/{cart}/lines", content=INVALID_UTF8, headers={**pk, **JSON})
    assert_problem(line, 400, "malformed_request", field="body")
    assert await lines_of(client, shop, cart) == []

    brand = await client.patch("/v1/brand", content=b'{"name":"Caf\xe9"}', headers={**sk, **JSON})
    assert_problem(brand, 400, "malformed_request", field="body")
    assert (await client.get("/v1/brand", headers=sk)).json()["name"] == shop.brand.brand.name

    event = (
        b'{"events":[{"type":"impression","component":"product-page","product":"\xc3\x28",'
        b'"occurred_at":"2026-01-01T00:00:00Z"}]}'
    )
    beacon = await client.post(
        "/v1/analytics/events",
        params={"key": shop.brand.publishable_key},
        content=event,
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(beacon, 400, "malformed_request", field="body")


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"name":"\xff"}', id="invalid-start-byte"),
        pytest.param(b'{"name":"\xed\xa0\x80"}', id="encoded-surrogate"),
        pytest.param(b'{"name":"\xc0\xaf"}', id="overlong"),
        pytest.param(b'{"\xff":"x"}', id="in-a-key"),
        pytest.param(b'{"name":"\\ud800"}', id="escaped-lone-surrogate"),
    ],
)
async def test_every_json_body_route_refuses_bytes_that_are_not_text(
    app: Litestar, client: Client, make_brand: MakeBrand, raw: bytes
) -> None:
    """Every operation the OpenAPI document gives a JSON body, with the secret key: a 4xx, never a 500."""
    brand = await make_brand()
    operations = _json_body_operations(app)
    assert len(operations) > 20, operations
    for method, path in operations:
        response = await client.request(method, path, content=raw, headers={**auth(brand.secret_key), **JSON})
        assert_problem(response, (400, 404, 422))


def test_a_body_nested_too_deeply_is_400_not_a_recursion_error() -> None:
    """msgspec skips an ignored field's value recursively; a struct that ignores unknown fields must not 500."""

    class Loose(msgspec.Struct):
        name: str

    deep = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(MalformedRequest) as refused:
        decode_json_body(b'{"name":"x","extra":' + deep + b"}", Loose)
    assert [e.field for e in refused.value.errors] == ["body"]


@pytest.mark.parametrize("action", ["add-to-cart", "checkout", "checkout/confirm"])
async def test_a_multipart_form_field_that_is_not_utf8_is_400_on_every_form_action(
    client: Client, make_brand: MakeBrand, action: str
) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    fields = {"cart": cart.encode(), "product": shop.product.encode(), "variant": shop.sku.encode()}
    files = {name: (None, value) for name, value in {**fields, "quantity": b"\xff", "email": b"\xffa@b.co"}.items()}
    response = await client.post(f"/v1/components/{action}", params={"key": shop.brand.publishable_key}, files=files)
    assert_problem(response, 400, "malformed_request", field="body")
    assert await lines_of(client, shop, cart) == []
    # The same form as UTF-8 still works, parsed once for the action.
    files["quantity"], files["email"] = (None, b"1"), (None, b"ada@example.com")
    if action == "add-to-cart":
        files["location"], files["method"] = (None, b"market-street"), (None, b"pickup")
        added = await client.post(f"/v1/components/{action}", params={"key": shop.brand.publishable_key}, files=files)
        assert added.status_code == 200, added.text
        assert [line["sku"] for line in await lines_of(client, shop, cart)] == [shop.sku]


def _json_body_operations(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of each operation with a JSON request body, its path parameters filled in."""
    fill = {"handle": "no-such-thing", "sku": "NO-SUCH-SKU", "name": "add-to-cart"}
    out = []
    for path, item in app.openapi_schema.to_schema()["paths"].items():
        for method, operation in item.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            filled = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    value = fill.get(parameter["name"], str(uuid.uuid4()))
                    filled = filled.replace("{" + parameter["name"] + "}", value)
            out.append((method.upper(), filled))
    return out


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1b", "\x85"])
async def test_a_control_character_in_any_query_parameter_is_422_naming_it(
    app: Litestar, client: Client, make_brand: MakeBrand, char: str
) -> None:
    """``?material=%00`` reached PostgreSQL, which holds no NUL in text: a 500. Every GET route, every parameter."""
    brand = await make_brand()
    checked = 0
    for path, item in app.openapi_schema.to_schema()["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name = parameter["name"]
            response = await client.get(path, params={name: f"a{char}"}, headers=auth(brand.secret_key))
            assert_problem(response, 422, "invalid_input", field=f"query.{name}")
            checked += 1
    assert checked > 10
    filtered = await client.get("/v1/products", params={"material": char}, headers=auth(brand.secret_key))
    assert_problem(filtered, 422, "invalid_input", field="query.material")
    handle = await client.get(f"/v1/products/noa-micro-bag{quote(char)}", headers=auth(brand.secret_key))
    assert_problem(handle, 422, "invalid_input", field="path")


# --- the add-to-cart form's quantity ------------------------------------------------------------


@pytest.mark.parametrize(
    "quantity",
    [
        pytest.param("\u00b2", id="superscript-two"),  # str.isdigit() says yes, int() says no
        pytest.param("\u0663", id="arabic-indic-three"),  # int() reads 3: not what a number field sends
        pytest.param("\uff13", id="fullwidth-three"),
        pytest.param("1e30", id="exponent"),
        pytest.param("9" * 30, id="beyond-int64"),
        pytest.param("-1", id="negative"),
    ],
)
async def test_add_to_cart_form_with_a_quantity_that_is_not_ascii_digits_shows_the_field_error(
    client: Client, make_brand: MakeBrand, quantity: str
) -> None:
    """Not a 500: the form comes back with the quantity marked, as for ``0`` (htmx swaps no 4xx)."""
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    response = await post_form(client, shop, "add-to-cart", **add_fields(shop, cart=cart, quantity=quantity))
    assert response.status_code == 200, response.text
    assert "Choose a quantity from 1 to 99." in response.text
    assert 'aria-invalid="true"' in response.text
    assert await lines_of(client, shop, cart) == []


# --- lookalike identifiers and control characters ------------------------------------------------


async def test_a_trailing_newline_cannot_make_a_second_product(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    sk = auth(brand.secret_key)
    first = await client.post("/v1/products", json=product_body(title="Noa Micro Bag"), headers=sk)
    assert first.status_code == 201, first.text
    twin = await client.post("/v1/products", json=product_body(handle="noa-micro-bag\n"), headers=sk)
    assert_problem(twin, 422, "invalid_input", field="body.handle")
    body = product_body(sku="NOA-1\n")
    sku = await client.post("/v1/products", json=body, headers=sk)
    assert_problem(sku, 422, "invalid_input", field="body.variants[0].sku")
    listing = await client.get("/v1/products", headers=sk)
    assert [p["handle"] for p in listing.json()["data"]] == ["noa-micro-bag"]


@pytest.mark.parametrize("origin", ["https://shop.example\n", "https://shop.example\x00", "https://shop.example\r\n"])
async def test_a_lookalike_origin_is_refused(client: Client, make_brand: MakeBrand, origin: str) -> None:
    brand = await make_brand(allowed_origins=["https://shop.example"])
    response = await client.patch("/v1/brand", json={"allowed_origins": [origin]}, headers=auth(brand.secret_key))
    assert_problem(response, 422, "invalid_input", field="body.allowed_origins[0]")
    after = await client.get("/v1/brand", headers=auth(brand.secret_key))
    assert after.json()["allowed_origins"] == ["https://shop.example"]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u2028", "\n", "\r", "\t"])
async def test_control_characters_are_refused_in_one_line_text(
    client: Client, make_brand: MakeBrand, char: str
) -> None:
    brand = await make_brand()
    sk = auth(brand.secret_key)
    titled = await client.post("/v1/products", json=product_body(title=f"Tote{char}Bag"), headers=sk)
    problem = assert_problem(titled, 422, "invalid_input", field="body.title")
    assert "control character" in problem["errors"][0]["message"], problem
    renamed = await client.patch("/v1/brand", json={"name": f"Shop{char}"}, headers=sk)
    assert_problem(renamed, 422, "invalid_input", field="body.name")
    listing = await client.get("/v1/products", headers=sk)
    assert listing.json()["data"] == []


async def test_multi_line_text_keeps_line_breaks_and_refuses_other_control_characters(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    sk = auth(brand.secret_key)
    story = "Cut from one hide.\r\n\r\nStitched by hand:\tsaddle stitch.\n"
    created = await client.post("/v1/products", json=product_body(title="Story Bag", story=story), headers=sk)
    assert created.status_code == 201, created.text
    assert created.json()["story"] == story
    for bad in ("\x00", "\x1b[31m", "\x7f"):
        response = await client.patch("/v1/products/story-bag", json={"story": f"Cut{bad}"}, headers=sk)
        assert_problem(response, 422, "invalid_input", field="body.story")
    assert (await client.get("/v1/products/story-bag", headers=sk)).json()["story"] == story


@pytest.mark.parametrize("email", ["ada\x00@example.com", "ada@example.com\n", "ada@exa\x1bmple.com"])
async def test_control_characters_are_refused_in_emails(client: Client, make_brand: MakeBrand, email: str) -> None:
    shop = await open_shop(client, make_brand)
    cart = await cart_with(client, shop, shop.sku)
    assert_problem(await checkout(client, shop, cart, email=email), 422, "invalid_input", field="body.email")


async def test_control_characters_in_a_form_field_are_refused_like_an_api_clients(
    client: Client, make_brand: MakeBrand
) -> None:
    """The form is converted to the API's schema, so it inherits every refusal: a NUL in a monogram."""
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    fields = {"variant": shop.mto_sku, "method": "made_to_order", "location": ""}
    listing = await client.get("/v1/products", params={"limit": 10}, headers=auth(shop.brand.secret_key))
    made = next(p["handle"] for p in listing.json()["data"] if p["handle"] != shop.product)
    response = await post_form(
        client,
        shop,
        "add-to-cart",
        **add_fields(shop, cart=cart, product=made, **fields),
        **{"personalisation.monogram": "A\x00B"},
    )
    assert response.status_code == 200, response.text
    assert 'aria-invalid="true"' in response.text
    assert await lines_of(client, shop, cart) == []


# --- numbers beyond int64 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"1e30", id="exponent"),
        pytest.param(str(2**70).encode(), id="2**70"),
        pytest.param(str(2**63).encode(), id="2**63"),
        pytest.param(str(-(2**63) - 1).encode(), id="below-int64"),
        pytest.param(b"1" + b"0" * 5000, id="5001-digits"),
    ],
)
async def test_numbers_beyond_int64_are_422(client: Client, make_brand: MakeBrand, raw: bytes) -> None:
    shop = await open_shop(client, make_brand)
    cart = await new_cart(client, shop)
    pk, sk = auth(shop.brand.publishable_key), auth(shop.brand.secret_key)
    line = b'{"sku":"%s","quantity":%s,"fulfilment":{"method":"pickup","location":"market-street"}}' % (
        shop.sku.encode(),
        raw,
    )
    response = await client.post(f"/v1/carts/{cart}/lines", content=line, headers={**pk, **JSON})
    assert_problem(response, (400, 422), field=("body", "body.quantity"))
    movement = b'{"sku":"%s","location":"warehouse","kind":"receive","quantity":%s}' % (shop.sku.encode(), raw)
    response = await client.post("/v1/stock/movements", content=movement, headers={**sk, **JSON})
    assert_problem(response, (400, 422), field=("body", "body.quantity"))
    price = b'{"price":{"amount":%s,"currency":"GBP"}}' % raw
    response = await client.patch(
        f"/v1/products/{shop.product}/variants/{shop.sku}", content=price, headers={**sk, **JSON}
    )
    assert_problem(response, (400, 422), field=("body", "body.price.amount"))
    assert await lines_of(client, shop, cart) == []


# --- limits that disagree -----------------------------------------------------------------------


@pytest_asyncio.fixture
async def paying_client(database: Settings) -> AsyncIterator[Client]:
    """Payments on, through the in-memory fake: checkout gets as far as writing the order's lines."""
    settings = msgspec.structs.replace(
        database,
        stripe_secret_key=Secret("sk_test_hostile_input"),
        stripe_publishable_key="pk_test_hostile_input",
        stripe_webhook_secret=Secret("whsec_hostile_input"),
    )
    gateway = FakeGateway(webhook_secret="whsec_hostile_input", namespace=f"hostile{uuid.uuid4().hex[:8]}")
    app = create_app(settings, plugins=[ComponentsPlugin()], manage_database=False, gateway=gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


async def test_the_longest_product_and_variant_titles_can_be_checked_out(
    paying_client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(paying_client, make_brand)
    sk = auth(shop.brand.secret_key)
    body = product_body(title="P" * 200)
    body["variants"][0]["title"] = "V" * 200
    created = await paying_client.post("/v1/products", json=body, headers=sk)
    assert created.status_code == 201, created.text
    sku = body["variants"][0]["sku"]
    movement = {"sku": sku, "location": "market-street", "kind": "receive", "quantity": 1}
    assert (await paying_client.post("/v1/stock/movements", json=movement, headers=sk)).status_code == 201
    cart = await cart_with(paying_client, shop, sku)
    placed = await checkout(paying_client, shop, cart)
    assert placed.status_code == 201, placed.text
    assert [line["title"] for line in placed.json()["order"]["lines"]] == ["P" * 200 + " — " + "V" * 200]


@pytest.mark.parametrize("field", ["material", "grade"])
async def test_a_material_or_grade_longer_than_its_column_is_422_on_create_and_update(
    client: Client, make_brand: MakeBrand, field: str
) -> None:
    brand = await make_brand()
    sk = auth(brand.secret_key)
    body = product_body(title="Material Bag")
    body["materials"][0][field] = "m" * 81
    created = await client.post("/v1/products", json=body, headers=sk)
    assert_problem(created, 422, "invalid_input", field=f"body.materials[0].{field}")
    body["materials"][0][field] = "m" * 80
    created = await client.post("/v1/products", json=body, headers=sk)
    assert created.status_code == 201, created.text
    materials = body["materials"]
    materials[1][field] = "n" * 81
    updated = await client.patch("/v1/products/material-bag", json={"materials": materials}, headers=sk)
    assert_problem(updated, 422, "invalid_input", field=f"body.materials[1].{field}")
    stored = (await client.get("/v1/products/material-bag", headers=sk)).json()["materials"]
    assert stored[0][field] == "m" * 80 and stored[1][field] != "n" * 81


# --- brand settings the code can't use ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"locale": "je_UN"}, "body.locale", id="locale-unknown-to-babel"),
        pytest.param({"locale": "fr_JP"}, "body.locale", id="locale-territory-mismatch"),
        pytest.param({"locale": "und"}, "body.locale", id="locale-undetermined"),
        pytest.param({"locale": "en_GB\n"}, "body.locale", id="locale-trailing-newline"),
        pytest.param({"locale": "en_001"}, "body.locale", id="locale-un-region-babel-knows-but-not-our-shape"),
        pytest.param({"timezone": "Mars/Olympus"}, "body.timezone", id="timezone-unknown"),
        pytest.param({"timezone": "Europe/London\n"}, "body.timezone", id="timezone-trailing-newline"),
        pytest.param({"timezone": "../../etc/passwd"}, "body.timezone", id="timezone-a-path"),
    ],
)
async def test_a_brand_setting_the_components_cannot_use_is_refused_and_every_page_still_renders(
    client: Client, make_brand: MakeBrand, change: dict[str, str], field: str
) -> None:
    shop = await open_shop(client, make_brand)
    sk = auth(shop.brand.secret_key)
    response = await client.patch("/v1/brand", json=change, headers=sk)
    assert_problem(response, 422, "invalid_input", field=field)
    brand = (await client.get("/v1/brand", headers=sk)).json()
    assert (brand["locale"], brand["timezone"]) == ("en_GB", "Europe/London")
    page = await client.get(
        "/v1/components/product-page", params={"key": shop.brand.publishable_key, "product": shop.product}
    )
    assert page.status_code == 200, page.text


@pytest.mark.parametrize("locale", ["de_AT", "fr", "ja_JP", "sr_RS"])
async def test_a_locale_babel_knows_is_accepted_and_renders(client: Client, make_brand: MakeBrand, locale: str) -> None:
    shop = await open_shop(client, make_brand)
    response = await client.patch("/v1/brand", json={"locale": locale}, headers=auth(shop.brand.secret_key))
    assert response.status_code == 200, response.text
    for name in ("product-page", "price", "materials"):
        params = {"key": shop.brand.publishable_key, "product": shop.product}
        page = await client.get(f"/v1/components/{name}", params=params)
        assert page.status_code == 200, (name, page.text)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"currency": "XYZ"}, "body.currency", id="currency-not-iso"),
        pytest.param({"currency": "DEM"}, "body.currency", id="currency-withdrawn"),
        pytest.param({"locale": "je_UN"}, "body.locale", id="locale"),
        pytest.param({"timezone": "Mars/Olympus"}, "body.timezone", id="timezone"),
    ],
)
async def test_a_new_brand_with_a_setting_the_code_cannot_use_is_refused(
    database: Settings, fields: dict[str, str], field: str
) -> None:
    name = f"Refused {uuid.uuid4().hex[:8]}"
    with pytest.raises(InvalidInput) as refused:
        await tenancy.create_brand(NewBrand(name=name, **fields))  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == [field]
    assert await tenancy.get_brand_by_handle(name.lower().replace(" ", "-")) is None
