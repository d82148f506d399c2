"""HTTP for checkout: place the order and start its payment; confirm it when the browser is back."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import JSONBody

from storefront.checkout import service
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn
from storefront.params import AppSettings, IdParam
from storefront.payments import Gateway
from storefront.tenancy import Reader


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
        self,
        principal: Reader,
        gateway: Gateway,
        settings: AppSettings,
        cart_id: IdParam,
        data: JSONBody[CheckoutIn],
    ) -> CheckoutOut:
        return await service.checkout(principal.brand_id, cart_id, data, gateway=gateway, settings=settings)

    @post("/{cart_id:uuid}/confirm", summary="The browser is back from paying: settle the order", status_code=200)
    async def confirm(
        self,
        principal: Reader,
        gateway: Gateway,
        settings: AppSettings,
        cart_id: IdParam,
        data: JSONBody[ConfirmIn],
    ) -> CheckoutOut:
        return await service.confirm(principal.brand_id, cart_id, data, gateway=gateway, settings=settings)
