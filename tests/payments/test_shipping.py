"""The delivery address goes on the PaymentIntent: through the real SDK, to a localstripe taught ``shipping``.

localstripe refuses any PaymentIntent parameter it does not know, ``shipping`` included, so the
adapter leaves it out for a local test server unless told the server takes it. This module starts
its own localstripe with one addition, made before the server runs: PaymentIntents accept
``shipping`` and answer it back, as Stripe documents. What reaches the server is then what the
SDK sent: the test reads the intent back over plain HTTP, past our adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
import pytest_asyncio

from storefront.demo import local_stripe
from storefront.demo.local_stripe import LocalStripe
from storefront.payments.fake import FakeGateway
from storefront.payments.gateway import Shipping, ShippingAddress
from storefront.payments.stripe_gateway import StripeGateway, shipping_params
from storefront.settings import Settings
from tests.factories import gbp
from tests.stripe_server import LOCALSTRIPE_PYTHON, STRIPE_TEST_KEY, _require_localstripe

TEACH_SHIPPING = """
_plain_init = resources.PaymentIntent.__init__


def _init_with_shipping(self, shipping=None, **kwargs):
    _plain_init(self, **kwargs)
    self.shipping = shipping


resources.PaymentIntent.__init__ = _init_with_shipping
"""

SHIPPING = Shipping(
    name="Ada Lovelace",
    phone="+447700900123",
    address=ShippingAddress(
        line1="12 Columbia Road", line2="Flat 2", city="London", postal_code="E2 7RG", country="GB"
    ),
)


@pytest.fixture(scope="module")
def shipping_stripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    _require_localstripe()
    program = local_stripe._SERVER_PROGRAM.replace("web.run_app(", TEACH_SHIPPING + "web.run_app(", 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local_stripe, "_SERVER_PROGRAM", program)
        server = local_stripe.start(Path(tmp_path_factory.mktemp("localstripe-shipping")), LOCALSTRIPE_PYTHON)
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def settings_for(stripe_settings: Settings, shipping_stripe: LocalStripe) -> AsyncIterator[Settings]:
    yield msgspec.structs.replace(stripe_settings, stripe_api_base=shipping_stripe.api_base)


async def raw_intent(api_base: str, intent_id: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=api_base, auth=(STRIPE_TEST_KEY, "")) as http:
        response = await http.get(f"/v1/payment_intents/{intent_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_payment_intent_carries_the_shipping_details(settings_for: Settings) -> None:
    gateway = StripeGateway(settings_for, local_shipping=True)
    try:
        intent = await gateway.create_payment_intent(
            amount=gbp(13_295), order_id="order-ship-1", idempotency_key="ship-1", shipping=SHIPPING
        )
        assert intent.shipping == SHIPPING
        assert (await gateway.retrieve_payment_intent(intent.id)).shipping == SHIPPING
    finally:
        await gateway.close()
    stored = await raw_intent(settings_for.stripe_api_base, intent.id)
    assert stored["shipping"] == {
        "name": "Ada Lovelace",
        "phone": "+447700900123",
        "address": {
            "line1": "12 Columbia Road",
            "line2": "Flat 2",
            "city": "London",
            "postal_code": "E2 7RG",
            "country": "GB",
        },
    }


async def test_a_plain_local_server_is_not_sent_shipping(stripe_settings: Settings) -> None:
    """The demo's localstripe refuses the parameter (a 400): the order still gets its payment."""
    gateway = StripeGateway(stripe_settings)
    try:
        intent = await gateway.create_payment_intent(
            amount=gbp(100), order_id="order-ship-2", idempotency_key="ship-2", shipping=SHIPPING
        )
    finally:
        await gateway.close()
    assert intent.status == "requires_payment_method" and intent.shipping is None


def test_an_empty_second_line_is_left_out() -> None:
    one_line = msgspec.structs.replace(SHIPPING, address=msgspec.structs.replace(SHIPPING.address, line2=""))
    assert "line2" not in shipping_params(one_line)["address"]
    assert shipping_params(SHIPPING)["address"]["line2"] == "Flat 2"


async def test_the_fake_keeps_shipping_and_a_retry_must_match() -> None:
    fake = FakeGateway(namespace="shipping")
    first = await fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k", shipping=SHIPPING)
    again = await fake.create_payment_intent(amount=gbp(100), order_id="o", idempotency_key="k", shipping=SHIPPING)
    assert first == again and first.shipping == SHIPPING
