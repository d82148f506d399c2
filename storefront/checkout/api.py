"""HTTP for checkout: place the order and start its payment; confirm it when the browser is back."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, SkipValidation

from storefront.checkout import service
from storefront.checkout.limits import ShopperLimit
from storefront.checkout.schemas import CheckoutIn, CheckoutOut, ConfirmIn
from storefront.params import AppSettings, IdParam
from storefront.payments import Gateway
from storefront.tenancy import SHOPPER, Reader

# Who is checking out, injected by name (``shopper``; None for a secret key): our own value, not validated.
Shopper = NamedDependency[SkipValidation[ShopperLimit | None]]


class CheckoutController(Controller):
    path = "/v1/carts"
    tags = ["checkout"]
    opt = SHOPPER  # the shopper's browser, with the publishable key

    @post(
        "/{cart_id:uuid}/checkout",
        summary="Place the order: hold stock and capacity, create the payment",
        description=(
            "A cart checks out once; asking again returns the same order and payment. With a publishable key, "
            "one shopper (the same email, or the same client) may hold at most "
            "`STALLKIT_UNPAID_CHECKOUTS_PER_SHOPPER` unpaid checkouts at a time (default 2); another answers "
            "409 `unpaid_checkouts_limit` saying when the earliest hold ends. Holds last "
            "`STALLKIT_CHECKOUT_HOLD_MINUTES` (default 15). A courier or made-to-order line needs `address` "
            "(its postcode one the line's courier zone serves) and `phone`; a pickup needs `collector` (default: "
            "`name`); each problem is a 422 naming its field. The answer's `status_url` is the shopper's own "
            "order page (`GET /v1/orders/{id}/status?token=...`)."
        ),
        status_code=201,
    )
    async def checkout(
        self,
        principal: Reader,
        gateway: Gateway,
        settings: AppSettings,
        shopper: Shopper,
        cart_id: IdParam,
        data: JSONBody[CheckoutIn],
    ) -> CheckoutOut:
        return await service.checkout(
            principal.brand_id, cart_id, data, gateway=gateway, settings=settings, shopper=shopper
        )

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
