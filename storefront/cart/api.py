"""HTTP for carts. A publishable key may use these (the shopper's browser); the cart id is the capability."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, SkipValidation

from storefront.cache import VersionedCache
from storefront.cart import service
from storefront.cart.schemas import CartIn, CartOut, LineIn, LinePatch, LookToCartIn
from storefront.cart.view import OrderRefs, QuoteCache
from storefront.fulfilment import QuoteInputs
from storefront.params import IdParam
from storefront.tenancy import SHOPPER, Principal, Reader

QuoteInputsCache = NamedDependency[VersionedCache[QuoteInputs]]
OrderLookup = NamedDependency[SkipValidation[OrderRefs]]  # our own function: nothing to validate


def _quotes(principal: Principal, cache: VersionedCache[QuoteInputs]) -> QuoteCache:
    return QuoteCache(principal.catalog_version, cache)


class CartController(Controller):
    path = "/v1/carts"
    tags = ["cart"]
    opt = SHOPPER  # the shopper's browser, with the publishable key

    @post("/", summary="Start a cart")
    async def create_cart(self, principal: Reader, data: JSONBody[CartIn]) -> CartOut:
        return await service.create_cart(principal.brand_id, data)

    @get("/{cart_id:uuid}", summary="A cart, priced and promised as of now")
    async def get_cart(
        self, principal: Reader, quote_cache: QuoteInputsCache, order_refs: OrderLookup, cart_id: IdParam
    ) -> CartOut:
        return await service.get_cart(
            principal.brand_id, cart_id, orders=order_refs, quotes=_quotes(principal, quote_cache)
        )

    @post("/{cart_id:uuid}/lines", summary="Add a line (the same item and choice again adds to its quantity)")
    async def add_line(
        self, principal: Reader, quote_cache: QuoteInputsCache, cart_id: IdParam, data: JSONBody[LineIn]
    ) -> CartOut:
        return await service.add_line(principal.brand_id, cart_id, data, quotes=_quotes(principal, quote_cache))

    @patch("/{cart_id:uuid}/lines/{line_id:uuid}", summary="Change a line's quantity")
    async def update_line(
        self,
        principal: Reader,
        quote_cache: QuoteInputsCache,
        cart_id: IdParam,
        line_id: IdParam,
        data: JSONBody[LinePatch],
    ) -> CartOut:
        return await service.update_line(
            principal.brand_id, cart_id, line_id, data, quotes=_quotes(principal, quote_cache)
        )

    @delete("/{cart_id:uuid}/lines/{line_id:uuid}", summary="Remove a line", status_code=200)
    async def remove_line(
        self, principal: Reader, quote_cache: QuoteInputsCache, cart_id: IdParam, line_id: IdParam
    ) -> CartOut:
        return await service.remove_line(principal.brand_id, cart_id, line_id, quotes=_quotes(principal, quote_cache))

    @post("/{cart_id:uuid}/looks", summary="Add every item of a look in one step, with its bundle discount")
    async def add_look(
        self, principal: Reader, quote_cache: QuoteInputsCache, cart_id: IdParam, data: JSONBody[LookToCartIn]
    ) -> CartOut:
        return await service.add_look(principal.brand_id, cart_id, data, quotes=_quotes(principal, quote_cache))
