"""HTTP for orders (secret key): read them, move fulfilments along, record returns, see KPIs; and payment webhooks."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromQuery, JSONBody, QueryParameter

from storefront.clock import utcnow
from storefront.credits import codes
from storefront.ids import END
from storefront.orders import credit_kpis, reading, returns, service, status, webhooks
from storefront.orders.schemas import (
    CreditKpis,
    KpiSummary,
    OrderOut,
    OrderStatusFilter,
    OrderStatusOut,
    ReceiveIn,
    ReturnIn,
    ReturnOut,
    StepIn,
)
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import AppSettings, CursorQuery, IdParam, LimitQuery
from storefront.payments import Gateway
from storefront.tenancy import SHOPPER, Reader, Writer

StatusToken = Annotated[
    str | None,
    QueryParameter(pattern=r"^[A-Za-z0-9_-]{16,64}" + END, description="the order page's token, from checkout"),
]


# A return refunded as store credit answers its code, once: nobody on the way may keep it.
NO_STORE = CacheControlHeader(no_store=True)


class OrderController(Controller):
    path = "/v1/orders"
    tags = ["orders"]

    @get("/", summary="List orders, oldest first")
    async def list_orders(
        self,
        writer: Writer,
        status: FromQuery[OrderStatusFilter] = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[OrderOut]:
        return await service.list_orders(writer.brand_id, status=status, cursor=cursor, limit=limit)

    @get("/kpis", summary="Order KPIs by fulfilment method")
    async def kpis(self, writer: Writer) -> list[KpiSummary]:
        return await service.kpi_summary(writer.brand_id)

    @get(
        "/kpis/credits",
        summary="Circularity KPIs: trade-ins, store credit outstanding (a liability), refurbished units sold",
        description="All time. `credit_outstanding` is what shoppers can still spend plus what unpaid checkouts "
        "hold: the brand owes it in kind. `credit_order_share_bp`: paid orders that used credit, in basis points.",
    )
    async def credit_kpis(self, writer: Writer) -> CreditKpis:
        return await credit_kpis.credit_kpis(writer.brand_id, utcnow())

    @get("/{order_id:uuid}", summary="An order with its fulfilments, payments and KPIs")
    async def get_order(self, writer: Writer, order_id: IdParam) -> OrderOut:
        return await service.get_order(writer.brand_id, order_id)

    @get(
        "/{order_id:uuid}/status",
        summary="The shopper's order page: each fulfilment against its promise, pickup code, provenance",
        description=(
            "A capability URL: with a publishable key, `token` (from the checkout's `status_url`) opens this one "
            "order and nothing else; a wrong token answers 404 like a missing order. A secret key needs no token."
        ),
        opt=SHOPPER,
    )
    async def order_status(self, principal: Reader, order_id: IdParam, token: StatusToken = None) -> OrderStatusOut:
        if principal.can_write:
            order = await reading.find_order(principal.brand_id, order_id)
        else:
            order = await status.find_by_token(principal.brand_id, order_id, token)
        return await status.order_status(order, utcnow())

    @post(
        "/{order_id:uuid}/fulfilments/{fulfilment_id:uuid}/status",
        summary="Move a fulfilment to its next step",
        status_code=200,
    )
    async def advance(
        self,
        writer: Writer,
        gateway: Gateway,
        order_id: IdParam,
        fulfilment_id: IdParam,
        data: JSONBody[StepIn],
    ) -> OrderOut:
        return await service.advance_fulfilment(writer.brand_id, order_id, fulfilment_id, data, gateway=gateway)

    @post(
        "/{order_id:uuid}/returns",
        summary="Request a return, or record units received: restock or quarantine, refund or exchange",
        cache_control=NO_STORE,
    )
    async def create_return(
        self, writer: Writer, gateway: Gateway, settings: AppSettings, order_id: IdParam, data: JSONBody[ReturnIn]
    ) -> ReturnOut:
        return await returns.create_return(
            writer.brand_id, order_id, data, gateway=gateway, code_key=codes.settings_key(settings)
        )

    @post(
        "/{order_id:uuid}/returns/{return_id:uuid}/receive",
        summary="A requested return is in hand: restock or quarantine, then refund or exchange",
        status_code=200,
        cache_control=NO_STORE,
    )
    async def receive_return(
        self,
        writer: Writer,
        gateway: Gateway,
        settings: AppSettings,
        order_id: IdParam,
        return_id: IdParam,
        data: JSONBody[ReceiveIn],
    ) -> ReturnOut:
        return await returns.receive_return(
            writer.brand_id, order_id, return_id, data, gateway=gateway, code_key=codes.settings_key(settings)
        )

    @get("/{order_id:uuid}/returns", summary="An order's returns")
    async def list_returns(self, writer: Writer, order_id: IdParam) -> list[ReturnOut]:
        await reading.find_order(writer.brand_id, order_id)
        return await returns.list_returns(writer.brand_id, order_id)


class WebhookReceipt(msgspec.Struct, frozen=True, kw_only=True):
    received: bool
    outcome: str


class StripeWebhookController(Controller):
    """``POST /v1/webhooks/stripe``: no API key (Stripe has none of ours); the signature is the authentication."""

    path = "/v1/webhooks"
    tags = ["payments"]

    @post("/stripe", summary="Stripe webhook (signature-verified)", status_code=200)
    async def stripe_webhook(self, request: Request[Any, Any, Any], gateway: Gateway) -> WebhookReceipt:
        event = gateway.parse_webhook(await request.body(), request.headers.get("stripe-signature"))
        outcome = await webhooks.receive(gateway.news_of(event), gateway=gateway, now=utcnow())
        return WebhookReceipt(received=True, outcome=outcome)
