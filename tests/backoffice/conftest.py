"""The back office's test app and browser: its own app per module (so the sign-in rate limit it spends
is that module's alone), at an HTTPS public URL, so Secure cookies come back as a browser sends them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.settings import Secret, Settings

PASSWORD = "correct horse battery staple"
BASE = "https://testserver"


def office(settings: Settings, **overrides: object) -> Litestar:
    configured = msgspec.structs.replace(
        settings, public_url=BASE, **{"rate_limit_sign_ins": "1000/minute", **overrides}
    )
    return create_app(configured, plugins=[ComponentsPlugin()], manage_database=False)


def client_of(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


@pytest.fixture(scope="module")
def office_app(database: Settings) -> Litestar:
    return office(database)


@pytest_asyncio.fixture
async def browser(office_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(office_app) as http:
        yield http


@pytest.fixture(scope="module")
def paying_app(database: Settings) -> Litestar:
    """Payments on, pointed at a port nothing listens on: an order paid wholly by credit never calls it."""
    return office(database, stripe_secret_key=Secret("sk_test_never_called"), stripe_api_base="http://127.0.0.1:9")


@pytest_asyncio.fixture
async def http(paying_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(paying_app) as client:
        yield client
