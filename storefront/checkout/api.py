"""HTTP for checkout: place the order and start its payment; confirm it when the browser is back."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody

from storefront.api.deps import Reader
from storefront.api.params import IdParam
from storefront.checkout import service
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn


class CheckoutController(Controller):
    path = "/v1/carts"
    tags = ["checkout"]

    @post(
        "/{cart_id:uuid}/checkout",
        summary="Place the order: hold stock and capacity, create the payment",
        description="A cart checks out once; asking again returns the same order and payment.",
        status_code=201,
    )
    async def checkout(
        self, request: Request[Any, Any, Any], principal: Reader, cart_id: IdParam, data: JSONBody[CheckoutIn]
    ) -> CheckoutOut:
        state = request.app.state
        return await service.checkout(
            principal.brand_id, cart_id, data, gateway=state["payments"], settings=state["settings"]
        )

    @post("/{cart_id:uuid}/confirm", summary="The browser is back from paying: settle the order", status_code=200)
    async def confirm(
        self, request: Request[Any, Any, Any], principal: Reader, cart_id: IdParam, data: JSONBody[ConfirmIn]
    ) -> CheckoutOut:
        state = request.app.state
        return await service.confirm(
            principal.brand_id, cart_id, data, gateway=state["payments"], settings=state["settings"]
        )
