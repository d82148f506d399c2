"""Links in fragments come from the configured public URL, never from the request's Host.

Fragments are ``Cache-Control: public``: had their links followed the Host header, one request
with a forged Host would put the forger's origin into the copy a CDN serves to every shopper.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from litestar import Litestar

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.settings import Settings, SettingsError
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand

Client = httpx.AsyncClient
PUBLIC = "https://api.maisonhollis.example"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}


@pytest.fixture
async def public_client(database: Settings) -> AsyncIterator[Client]:
    app: Litestar = create_app(
        msgspec.structs.replace(database, public_url=PUBLIC + "/"), plugins=[ComponentsPlugin()], manage_database=False
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def shop(client: Client, make_brand: MakeBrand) -> Shop:
    return await open_shop(client, make_brand)


def absolute_urls(html: str) -> set[str]:
    return set(re.findall(r"""(?:href|src|action|hx-get|hx-post|data-sk-[a-z-]+)="(https?://[^"]+)\"""", html))


async def test_a_forged_host_gets_links_to_the_configured_url(public_client: Client, shop: Shop) -> None:
    params = {"product": shop.product, "key": shop.brand.publishable_key}
    forged = await public_client.get("/v1/components/product-page", params=params, headers=FORGED)
    assert forged.status_code == 200, forged.text
    assert forged.headers["cache-control"].startswith("public")
    assert "evil.example" not in forged.text and "gopher" not in forged.text
    urls = absolute_urls(forged.text)
    ours = {u for u in urls if u.startswith(PUBLIC + "/")}
    assert any("/v1/components/" in u for u in ours), urls  # htmx reloads and form actions
    assert any("/static/" in u for u in ours), urls  # the product image
    product = await public_client.get(
        f"/v1/products/{shop.product}", headers={"Authorization": f"Bearer {params['key']}"}
    )
    brand_given = set(re.findall(r'"(https?://[^"]+)"', product.text))  # e.g. the repair guide's URL
    assert not {u for u in urls - ours - brand_given if not u.startswith("https://schema.org/")}, urls

    honest = await public_client.get("/v1/components/product-page", params=params)
    assert honest.headers["etag"] == forged.headers["etag"]
    assert honest.content == forged.content


async def test_a_form_action_answers_with_links_to_the_configured_url(public_client: Client, shop: Shop) -> None:
    form = {
        "variant": shop.sku,
        "product": shop.product,
        "quantity": "1",
        "method": "pickup",
        "location": "market-street",
        "source": "add-to-cart",
    }
    answer = await public_client.post(
        "/v1/components/add-to-cart", params={"key": shop.brand.publishable_key}, data=form, headers=FORGED
    )
    assert answer.status_code == 200, answer.text
    assert "evil.example" not in answer.text
    assert any(u.startswith(f"{PUBLIC}/v1/components/") for u in absolute_urls(answer.text)), answer.text


@pytest.mark.parametrize(
    ("host", "port", "public_url", "expected"),
    [
        ("127.0.0.1", 8000, "", "http://127.0.0.1:8000"),  # the demo's own listen address
        ("0.0.0.0", 9000, "", "http://127.0.0.1:9000"),  # noqa: S104 - listening everywhere, reached on loopback
        ("::", 8000, "", "http://127.0.0.1:8000"),
        ("::1", 8000, "", "http://[::1]:8000"),
        ("0.0.0.0", 8000, "https://api.example.com/", "https://api.example.com"),  # noqa: S104
        ("127.0.0.1", 8000, "https://example.com/stallkit", "https://example.com/stallkit"),
    ],
)
def test_the_public_base_url(host: str, port: int, public_url: str, expected: str) -> None:
    settings = Settings(database_url="sqlite://x", host=host, port=port, public_url=public_url)
    assert settings.public_base_url == expected


def test_the_public_url_is_read_and_checked_at_start_up() -> None:
    env = {"STALLKIT_PUBLIC_URL": "https://api.example.com"}
    assert Settings.from_env(env).public_base_url == "https://api.example.com"
    for bad in ("api.example.com", "https://api.example.com/?x=1", "javascript:alert(1)", "https://a.example\n"):
        with pytest.raises(SettingsError, match="STALLKIT_PUBLIC_URL"):
            Settings.from_env({"STALLKIT_PUBLIC_URL": bad})
