"""Today, the back office's first page: what sold since the shop's midnight and what waits on staff."""

from __future__ import annotations

import re
import uuid

import httpx

from storefront.backoffice import create_staff
from storefront.clock import utcnow
from tests.backoffice.conftest import PASSWORD
from tests.commerce import add, new_cart, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient


async def signed_in_owner(http: Client, brand_handle: str) -> None:
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    await create_staff(brand_handle, email=email, name="Owner", role="owner", password=PASSWORD, now=utcnow())
    form = await http.get("/admin/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    done = await http.post("/admin/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    assert done.status_code == 303


def figure(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found, html
    return found.group(1)


async def test_today_counts_what_sold_and_what_waits(http: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(http, make_brand, shop_units=2)
    await signed_in_owner(http, shop.brand.brand.handle)
    before = await http.get("/admin/")
    assert before.status_code == 200 and figure(before.text, "sales") == "0"
    assert "Nothing waits" in before.text

    issued = await http.post(
        "/v1/credits", json={"amount": {"amount": 50_000, "currency": "GBP"}, "reason": "gift"},
        headers=auth(shop.brand.secret_key, **{"Idempotency-Key": str(uuid.uuid4())}),
    )  # fmt: skip
    code = issued.json()["code"]
    cart = await new_cart(http, shop)
    assert (await add(http, shop, cart, shop.sku, 1)).status_code == 201
    pk = auth(shop.brand.publishable_key, **{"Idempotency-Key": str(uuid.uuid4())})
    assert (await http.post(f"/v1/carts/{cart}/credits", json={"code": code}, headers=pk)).status_code == 201
    placed = await http.post(f"/v1/carts/{cart}/checkout", json={"email": "ada@example.com", "name": "Ada"}, headers=pk)
    assert placed.status_code == 201 and placed.json()["order"]["status"] == "paid", placed.text

    after = await http.get("/admin/")
    assert figure(after.text, "sales") == "1" and figure(after.text, "takings") == "£125.00"
    assert "Pickup: to prepare" in after.text
    assert figure(after.text, "credit-outstanding") == "£375.00"  # 500 issued less 125 spent
    assert re.search(rf"<td>{shop.sku}</td><td>market-street</td><td class=\"num\">1</td>", after.text)
