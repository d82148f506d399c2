"""The sample brand site's origin is allowed wherever ``STALLKIT_DEMO_SITE_PORT`` puts it.

The origins for a listen address are a pure rule; adding them to a brand runs on the suite's
database (SQLite, or PostgreSQL with ``STALLKIT_TEST_DATABASE_URL``), through the same CORS check
a browser meets. ``test_demo_first_run.py`` moves the port on an existing demo database.
"""

from __future__ import annotations

import httpx

from storefront.demo.seed import allow_origins
from storefront.demo.site import site_origins
from storefront.tenancy import Brand
from tests.conftest import MakeBrand


def test_a_loopback_site_has_both_names_of_loopback() -> None:
    for host in ("127.0.0.1", "localhost", "0.0.0.0"):  # noqa: S104 (a listen address)
        assert site_origins(host, 9123) == ["http://127.0.0.1:9123", "http://localhost:9123"]
    assert site_origins("shop.lan", 9123) == ["http://shop.lan:9123"]
    assert site_origins("::1", 9123) == [], "no brand can list an IPv6 origin"


async def preflight(client: httpx.AsyncClient, pk: str, origin: str) -> str | None:
    response = await client.options(
        f"/v1/products?key={pk}", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    return response.headers.get("access-control-allow-origin")


async def test_the_sites_origins_are_added_to_an_existing_brand_once_keeping_its_own(
    client: httpx.AsyncClient, make_brand: MakeBrand
) -> None:
    own = "https://maisonhollis.example"
    created = await make_brand(allowed_origins=[own, "http://127.0.0.1:8001"])
    pk, handle = created.publishable_key, created.brand.handle
    site = site_origins("127.0.0.1", 9123)
    version = (await Brand.get(handle=handle)).catalog_version
    assert await preflight(client, pk, site[0]) is None

    assert await allow_origins(handle, site) == site
    brand = await Brand.get(handle=handle)
    assert brand.allowed_origins == [own, "http://127.0.0.1:8001", *site]
    assert brand.catalog_version > version, "workers caching the brand see the change"
    assert await preflight(client, pk, site[0]) == site[0]
    assert await preflight(client, pk, site[1]) == site[1]

    assert await allow_origins(handle, [*site, site[0]]) == [], "a second start adds nothing"
    assert (await Brand.get(handle=handle)).allowed_origins == [own, "http://127.0.0.1:8001", *site]
