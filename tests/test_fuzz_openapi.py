"""Fuzz every operation of the OpenAPI document with schemathesis, in-process against the app.

Schemathesis reads the document the app serves and generates requests for each operation, both
ones the document says are valid and ones it says are not; each answer must not be a 5xx and,
when the document describes that answer, must match its schema and content type. The app is a
real one (the suite's database, the in-memory payment provider) and the requests carry the keys
of a brand seeded with a shop, stock, fulfilment, a lookbook, a cart and a paid order, so
path parameters are drawn half the time from that brand's real handles and ids: requests reach
past the 404 into the handlers.

Requests go through httpx's ASGI transport on the suite's event loop rather than schemathesis's
own ASGI client, which runs the app on a thread of its own: the ORM's pooled connections belong
to the loop they were made on (a PostgreSQL connection cannot be used from another). Schemathesis
still makes every case and judges every response (``Case.validate_response``).

Bounded: ``EXAMPLES`` per operation (1,240 requests over 62 operations), no shrinking: about
a minute of CPU on SQLite, under two minutes of wall time even on a busy two-core machine.
``STALLKIT_FUZZ_EXAMPLES`` raises it for a longer hunt.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from components.plugin import ComponentsPlugin
from storefront.app import create_app
from storefront.payments.fake import FakeGateway
from storefront.settings import Secret, Settings
from storefront.tenancy import service as tenancy
from storefront.tenancy.schemas import CreatedBrand, NewBrand
from tests.checkout.conftest import cart_with, checkout, confirm
from tests.commerce import Shop, open_shop
from tests.conftest import TEST_SECRET

EXAMPLES = int(os.environ.get("STALLKIT_FUZZ_EXAMPLES", "20"))
METHODS = ("get", "put", "post", "patch", "delete")
# Every check but ``positive_data_acceptance``: a schema-valid request may still break a rule only
# the app knows (a currency not the brand's, an unknown timezone, a cursor it never issued).
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
WEBHOOK_SECRET = "whsec_fuzz"
MIN_SUCCEEDING = 25


def _operations() -> list[tuple[str, str]]:
    """Every operation of the document, read at collection from an app that opens no database."""
    app = create_app(
        Settings(database_url="sqlite://:memory:", secret=TEST_SECRET),
        plugins=[ComponentsPlugin()],
        manage_database=False,
    )
    paths = app.openapi_schema.to_schema()["paths"]
    return sorted((method, path) for path, item in paths.items() for method in item if method in METHODS)


OPERATIONS = _operations()


@dataclass
class World:
    """The seeded brand, what the fuzzer may aim at, and schemathesis's view of the served document."""

    client: httpx.AsyncClient
    brand: CreatedBrand
    schema: Any  # schemathesis.specs.openapi.schemas.OpenApiSchema
    known: dict[str, str]
    statuses: dict[tuple[str, str], Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    strategies: dict[tuple[str, str, bool], st.SearchStrategy[schemathesis.Case]] = field(default_factory=dict)

    def strategy(self, method: str, path: str, aimed: bool) -> st.SearchStrategy[schemathesis.Case]:
        """Valid and invalid requests for one operation; ``aimed``: path parameters from the seeded brand."""
        key = (method, path, aimed)
        if key not in self.strategies:
            operation = self.schema[path][method.upper()]
            names = [p.name for p in operation.path_parameters]
            pinned = {name: self.known_for(path, name) for name in names} if aimed else {}
            pinned = {name: value for name, value in pinned.items() if value is not None}
            self.strategies[key] = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned or None),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pinned or None),
            )
        return self.strategies[key]

    def known_for(self, path: str, name: str) -> str | None:
        for prefix in ("/v1/products", "/v1/locations", "/v1/lookbooks", "/v1/fulfilment/courier-zones"):
            if path.startswith(prefix) and name == "handle":
                return self.known[prefix]
        return self.known.get(name)


@pytest.fixture(scope="module")
def fuzz_app(database: Settings) -> Litestar:
    settings = msgspec.structs.replace(
        database,
        stripe_secret_key=Secret("sk_test_fake_gateway"),
        stripe_publishable_key="pk_test_fake_gateway",
        stripe_webhook_secret=Secret(WEBHOOK_SECRET),
        stripe_api_base="http://127.0.0.1:9",  # never called: only makes a server-side test card acceptable
    )
    gateway = FakeGateway(webhook_secret=WEBHOOK_SECRET, namespace=f"fuzz{uuid.uuid4().hex[:6]}")
    return create_app(settings, plugins=[ComponentsPlugin()], manage_database=False, gateway=gateway)


@pytest_asyncio.fixture(scope="module")
async def world(fuzz_app: Litestar) -> AsyncIterator[World]:
    transport = httpx.ASGITransport(app=fuzz_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def make_brand(**fields: Any) -> CreatedBrand:
            return await tenancy.create_brand(NewBrand(name=f"Fuzz {uuid.uuid4().hex[:8]}", **fields))

        shop: Shop = await open_shop(client, make_brand, shop_units=50, warehouse_units=50)
        brand = shop.brand
        cart = await cart_with(client, shop, shop.sku, 1)
        line = (await client.get(f"/v1/carts/{cart}", headers=_auth(brand.publishable_key))).json()["lines"][0]
        paid_cart = await cart_with(client, shop, shop.sku, 1)
        placed = await checkout(client, shop, paid_cart)
        assert placed.status_code == 201, placed.text
        fuzz_app.state["payments"].succeed(placed.json()["payment"]["intent_id"])  # the shopper pays
        paid = await confirm(client, shop, paid_cart, None)  # and comes back: the order is paid
        assert paid.status_code == 200 and paid.json()["order"]["status"] == "paid", paid.text
        order = paid.json()["order"]
        served = await client.get("/schema/openapi.json")
        assert served.status_code == 200, served.text
        document = served.json()
        known = {
            "/v1/products": shop.product,
            "/v1/locations": "market-street",
            "/v1/lookbooks": (shop.look or {}).get("lookbook", "autumn"),
            "/v1/fulfilment/courier-zones": "east",
            "sku": shop.sku,
            "cart_id": cart,
            "line_id": line["id"],
            "order_id": order["id"],
            "fulfilment_id": order["fulfilments"][0]["id"],
            "name": "price",
        }
        yield World(client=client, brand=brand, schema=schemathesis.openapi.from_dict(document), known=known)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def send(client: httpx.AsyncClient, case: schemathesis.Case) -> httpx.Response:
    """A schemathesis case, sent through httpx as the requests transport would have sent it."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        body["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        body["data"] = kwargs["data"]
    if kwargs.get("files"):
        body["files"] = kwargs["files"]
    return await client.request(
        kwargs["method"], kwargs["url"], headers=kwargs.get("headers"), params=kwargs.get("params"), **body
    )


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_every_operation_survives_the_fuzzer(world: World, method: str, path: str, data: st.DataObject) -> None:
    # Destructive operations are never aimed at the seeded objects, or later operations would find them gone.
    aimed = method != "delete" and "/revoke" not in path and "/rotate" not in path and data.draw(st.booleans())
    case = data.draw(world.strategy(method, path, aimed))
    case.headers = {
        **(case.headers or {}),
        "Authorization": "Bearer "
        + data.draw(st.sampled_from([world.brand.secret_key, world.brand.publishable_key]), label="key"),
    }
    note(case.as_curl_command(headers=None))
    response = await send(world.client, case)
    world.statuses[(method, path)][response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


def test_the_fuzzer_reached_past_the_front_door(world: World) -> None:
    """Every operation was fuzzed, and many were answered with a success at least once: the generated
    requests reach the handlers rather than all stopping at auth, routing or decoding."""
    if len(world.statuses) < len(OPERATIONS):
        pytest.skip("only some operations were fuzzed in this run")
    succeeded = sorted(f"{m.upper()} {p}" for (m, p), seen in world.statuses.items() if any(s < 300 for s in seen))
    print(
        f"\nfuzzed {len(world.statuses)} operations, {sum(map(sum, (c.values() for c in world.statuses.values())))}"
        f" requests; {len(succeeded)} answered 2xx at least once"
    )
    assert len(succeeded) >= MIN_SUCCEEDING, succeeded
