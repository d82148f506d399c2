"""Orders in the back office: find one, read it, walk its fulfilment a step at a time, print its slip."""

from __future__ import annotations

import re
import uuid

import httpx
from litestar import Litestar

from storefront.orders import Order
from tests.backoffice.conftest import client_of
from tests.backoffice.test_today_http import signed_in_owner
from tests.commerce import Shop, add, new_cart, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient


async def credit_order(http: Client, shop: Shop) -> dict[str, object]:
    """A pickup order paid wholly by store credit (no payment provider in the way)."""
    sk = auth(shop.brand.secret_key, **{"Idempotency-Key": str(uuid.uuid4())})
    code = (
        await http.post(
            "/v1/credits", json={"amount": {"amount": 50_000, "currency": "GBP"}, "reason": "gift"}, headers=sk
        )
    ).json()["code"]
    cart = await new_cart(http, shop)
    assert (await add(http, shop, cart, shop.sku, 1)).status_code == 201
    pk = auth(shop.brand.publishable_key, **{"Idempotency-Key": str(uuid.uuid4())})
    await http.post(f"/v1/carts/{cart}/credits", json={"code": code}, headers=pk)
    placed = await http.post(
        f"/v1/carts/{cart}/checkout", json={"email": "grace@example.com", "name": "Grace"}, headers=pk
    )
    assert placed.status_code == 201, placed.text
    return placed.json()["order"]  # type: ignore[no-any-return]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_an_order_found_read_walked_to_collected_and_its_slip_printed(
    http: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(http, make_brand)
    await signed_in_owner(http, shop.brand.brand.handle)
    order = await credit_order(http, shop)
    number, oid = str(order["number"]), str(order["id"])
    for query in (
        "",
        "?status=paid",
        "?method=pickup",
        f"?q={number[:6]}",
        "?q=GRACE@",
        "?from=2020-01-01&to=2999-01-01",
    ):
        listing = await http.get(f"/admin/orders{query}")
        assert listing.status_code == 200 and number in listing.text, query
    assert number not in (await http.get("/admin/orders?method=courier")).text
    assert number not in (await http.get("/admin/orders?status=fulfilled")).text
    for bad in ("?status=lost", "?method=teleport", "?from=yesterday"):
        assert (await http.get(f"/admin/orders{bad}")).status_code == 422

    page = await http.get(f"/admin/orders/{oid}")
    assert page.status_code == 200 and "Ready for pickup" in page.text and "Grace" in page.text
    fid = re.search(rf"/admin/orders/{oid}/fulfilments/([0-9a-f-]+)/step", page.text)
    assert fid
    step = f"/admin/orders/{oid}/fulfilments/{fid.group(1)}/step"
    skipped = await http.post(step, data={"csrf_token": csrf(page.text), "status": "fulfilled"})
    assert skipped.status_code == 409  # not the next step: a pickup is made ready first
    assert (
        await http.post(step, data={"csrf_token": csrf(page.text), "status": "ready_for_pickup"})
    ).status_code == 303
    page = await http.get(f"/admin/orders/{oid}")
    assert "Handed over" in page.text
    assert (await http.post(step, data={"status": "fulfilled"})).status_code == 403  # no CSRF token
    assert (await http.post(step, data={"csrf_token": csrf(page.text), "status": "fulfilled"})).status_code == 303
    assert (await Order.get(id=oid)).status == "fulfilled"
    assert (await http.post(step, data={"csrf_token": csrf(page.text), "status": "teleported"})).status_code == 422
    slip = await http.get(f"/admin/orders/{oid}/slip")
    assert slip.status_code == 200 and "Pickup slip" in slip.text and shop.sku in slip.text


async def test_another_brands_orders_are_unknown(http: Client, paying_app: Litestar, make_brand: MakeBrand) -> None:
    shop = await open_shop(http, make_brand)
    order = await credit_order(http, shop)
    other = await make_brand()
    async with client_of(paying_app) as c:
        await signed_in_owner(c, other.brand.handle)
        assert (await c.get(f"/admin/orders/{order['id']}")).status_code == 404
        assert str(order["number"]) not in (await c.get("/admin/orders")).text
        assert (await c.get(f"/admin/orders/{order['id']}/slip")).status_code == 404
