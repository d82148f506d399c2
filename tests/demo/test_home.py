"""``GET /`` on the API: a page that points a newcomer on, not a 404.

Through Litestar's HTTP stack (the app the suite builds, with ``/`` registered if the app does not
route it yet), as a browser and as a JSON client. Links come from the configured public URL,
never from the request's Host.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.api.home import DEMO_SITE_PORT, Home, home, home_of
from storefront.app import create_app
from storefront.demo.site import DEFAULT_PORT
from storefront.settings import Secret, Settings


def with_home(app: Litestar) -> Litestar:
    if not any(route.path == "/" for route in app.routes):
        app.register(home)
    return app


@pytest_asyncio.fixture
async def front(database: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The suite's database, the demo's public URL: what `stallkit demo` serves."""
    settings = msgspec.structs.replace(database, public_url="http://127.0.0.1:8000")
    app = with_home(create_app(settings, plugins=[ComponentsPlugin()], manage_database=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://evil.example") as client:
        yield client


async def test_a_browser_gets_a_page_pointing_to_the_brand_site_the_contract_and_the_tour(
    front: httpx.AsyncClient,
) -> None:
    response = await front.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    page = response.text
    assert '<a href="http://127.0.0.1:8001/">' in page
    assert '<a href="http://127.0.0.1:8000/schema/openapi.json">' in page
    assert "A short tour" in page and "/v1/products/noa-micro-bag" in page
    assert "evil.example" not in page, "links come from the public URL, never from Host"
    assert "Payments: off" in page and "STALLKIT_STRIPE_SECRET_KEY" in page


async def test_a_json_client_gets_the_same_as_json(front: httpx.AsyncClient) -> None:
    response = await front.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = msgspec.json.decode(response.content, type=Home)
    assert body.links["brand_site"].href == "http://127.0.0.1:8001/"
    assert body.links["openapi"].href == "http://127.0.0.1:8000/schema/openapi.json"
    assert body.payments == "off"
    assert (await front.get(body.links["openapi"].href.removeprefix("http://127.0.0.1:8000"))).status_code == 200


def test_payments_say_what_they_are() -> None:
    base = Settings(database_url="sqlite://x", public_url="https://api.maisonhollis.example")
    local = msgspec.structs.replace(
        base, stripe_secret_key=Secret("sk_test_x"), stripe_api_base="http://127.0.0.1:12111"
    )
    real = msgspec.structs.replace(base, stripe_secret_key=Secret("sk_live_x"))
    assert home_of(local).payments == "test" and "pm_card_visa" in home_of(local).payments_detail
    assert home_of(real).payments == "stripe"
    assert "sk_live_x" not in msgspec.json.encode(home_of(real)).decode()
    # Served elsewhere than loopback, there is no demo site to point at.
    assert "brand_site" not in home_of(base).links
    assert home_of(base).links["openapi"].href == "https://api.maisonhollis.example/schema/openapi.json"


def test_the_home_page_knows_the_demo_site_port() -> None:
    assert DEMO_SITE_PORT == DEFAULT_PORT
