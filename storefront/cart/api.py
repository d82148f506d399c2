"""HTTP for carts. A publishable key may use these (the shopper's browser); the cart id is the capability."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody

from storefront.api.deps import Caches, ReadCaches, Reader
from storefront.api.params import IdParam
from storefront.cart import service
from storefront.cart.schemas import CartIn, CartOut, LineIn, LinePatch, LookToCartIn
from storefront.cart.view import QuoteCache
from storefront.tenancy.schemas import Principal


def _quotes(principal: Principal, caches: ReadCaches) -> QuoteCache:
    return QuoteCache(principal.catalog_version, caches.quotes)


class CartController(Controller):
    path = "/v1/carts"
    tags = ["cart"]

    @post("/", summary="Start a cart")
    async def create_cart(self, principal: Reader, data: JSONBody[CartIn]) -> CartOut:
        return await service.create_cart(principal.brand_id, data)

    @get("/{cart_id:uuid}", summary="A cart, priced and promised as of now")
    async def get_cart(self, principal: Reader, caches: Caches, cart_id: IdParam) -> CartOut:
        return await service.get_cart(principal.brand_id, cart_id, quotes=_quotes(principal, caches))

    @post("/{cart_id:uuid}/lines", summary="Add a line (the same item and choice again adds to its quantity)")
    async def add_line(self, principal: Reader, caches: Caches, cart_id: IdParam, data: JSONBody[LineIn]) -> CartOut:
        return await service.add_line(principal.brand_id, cart_id, data, quotes=_quotes(principal, caches))

    @patch("/{cart_id:uuid}/lines/{line_id:uuid}", summary="Change a line's quantity")
    async def update_line(
        self, principal: Reader, caches: Caches, cart_id: IdParam, line_id: IdParam, data: JSONBody[LinePatch]
    ) -> CartOut:
        return await service.update_line(principal.brand_id, cart_id, line_id, data, quotes=_quotes(principal, caches))

    @delete("/{cart_id:uuid}/lines/{line_id:uuid}", summary="Remove a line", status_code=200)
    async def remove_line(self, principal: Reader, caches: Caches, cart_id: IdParam, line_id: IdParam) -> CartOut:
        return await service.remove_line(principal.brand_id, cart_id, line_id, quotes=_quotes(principal, caches))

    @post("/{cart_id:uuid}/looks", summary="Add every item of a look in one step, with its bundle discount")
    async def add_look(
        self, principal: Reader, caches: Caches, cart_id: IdParam, data: JSONBody[LookToCartIn]
    ) -> CartOut:
        return await service.add_look(principal.brand_id, cart_id, data, quotes=_quotes(principal, caches))
