"""Expected problems are logged as one line; only bugs get a traceback. And a confirm with a payment
method Stripe does not have says so, instead of blaming a payment intent.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar, get

from storefront.api.problems import problem_response
from storefront.errors import InvalidInput
from storefront.payments.fake import FakeGateway
from tests.api.test_idempotency import assert_problem_code
from tests.commerce import open_shop, pickup
from tests.conftest import MakeBrand, auth
from tests.factories import gbp

Client = httpx.AsyncClient


def api_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "stallkit.api"]


def assert_one_line_each(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert "\n" not in record.getMessage()
    assert "Traceback" not in caplog.text
    assert "unhandled error" not in caplog.text


async def test_payments_unavailable_is_one_warning_line(
    client: Client, make_brand: MakeBrand, caplog: pytest.LogCaptureFixture
) -> None:
    """The suite's app has no Stripe key: checkout answers 503 as designed, not as a crash."""
    brand = await make_brand()
    with caplog.at_level(logging.INFO):
        response = await client.post(
            f"/v1/carts/{uuid.uuid4()}/checkout", json={"email": "a@b.co"}, headers=auth(brand.secret_key)
        )
    assert_problem_code(response, 503, "payments_unavailable")
    assert_one_line_each(caplog)
    [record] = api_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage().startswith("503 payments_unavailable on POST /v1/carts/")
    assert "(PaymentsUnavailable): this shop cannot take payments right now" in record.getMessage()


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/products/no-such-bag", 404, "not_found"),  # a domain error
        ("/v1/products?limit=lots", 400, "invalid_input"),  # Litestar's validation
        ("/v1/no-such-route", 404, "not_found"),  # Litestar's routing
    ],
)
async def test_client_errors_are_one_info_line(
    client: Client, make_brand: MakeBrand, caplog: pytest.LogCaptureFixture, path: str, status: int, code: str
) -> None:
    brand = await make_brand()
    with caplog.at_level(logging.INFO):
        response = await client.get(path, headers=auth(brand.secret_key))
    assert response.status_code in (status, 422), response.text
    assert response.json()["code"] == code
    assert_one_line_each(caplog)
    [record] = api_records(caplog)
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith(f"{response.status_code} {code} on GET ")


async def test_a_bug_is_logged_with_its_traceback_and_hidden_from_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @get("/broken")
    async def broken() -> dict[str, str]:
        return {"answer": str(1 / 0)}

    # logging_config=None: Litestar's default would reconfigure the root logger, and caplog's handler with it
    app = Litestar(route_handlers=[broken], exception_handlers={Exception: problem_response}, logging_config=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        with caplog.at_level(logging.INFO):
            response = await http.get("/broken")
    assert_problem_code(response, 500, "server_error")
    assert "division" not in response.text
    [record] = api_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unhandled error on GET /broken"
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError
    assert "Traceback" in caplog.text


# --- confirm with a payment method that does not exist ------------------------------------------


async def test_the_fake_refuses_an_unknown_payment_method_as_the_adapter_does() -> None:
    fake = FakeGateway()
    intent = await fake.create_payment_intent(amount=gbp(900), order_id="o", idempotency_key="k")
    with pytest.raises(InvalidInput, match="Stripe has no payment method 'pm_card_typo'") as caught:
        await fake.confirm_payment_intent(intent.id, payment_method="pm_card_typo", idempotency_key="c")
    assert [(e.field, e.message) for e in caught.value.errors] == [("body.payment_method", "no such payment method")]


async def test_confirm_with_an_unknown_payment_method_names_it(
    shop_client: Client, make_brand: MakeBrand, caplog: pytest.LogCaptureFixture
) -> None:
    """Against localstripe: a 422 naming the payment method, and the shopper can still pay after."""
    shop = await open_shop(shop_client, make_brand)
    key = auth(shop.brand.secret_key)

    async def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return await shop_client.post(path, json=body, headers=key)

    made = await post("/v1/carts", {})
    assert made.status_code == 201, made.text
    cart = made.json()["id"]
    line = await post(f"/v1/carts/{cart}/lines", {"sku": shop.sku, "quantity": 1, "fulfilment": pickup()})
    assert line.status_code == 201, line.text
    placed = await post(f"/v1/carts/{cart}/checkout", {"email": "ada@example.com", "name": "Ada"})
    assert placed.status_code == 201, placed.text

    with caplog.at_level(logging.INFO):
        typo = await post(f"/v1/carts/{cart}/confirm", {"payment_method": "pm_card_typo"})
    problem = assert_problem_code(typo, 422, "invalid_input")
    assert problem["detail"] == "Stripe has no payment method 'pm_card_typo'"
    assert problem["errors"] == [{"field": "body.payment_method", "message": "no such payment method"}]
    assert "payment intent" not in caplog.text
    assert_one_line_each(caplog)

    paid = await post(f"/v1/carts/{cart}/confirm", {"payment_method": "pm_card_visa"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["order"]["status"] == "paid"
