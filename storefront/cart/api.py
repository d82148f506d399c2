"""HTTP for carts. A publishable key may use these (the shopper's browser); the cart id is the capability."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, SkipValidation

from storefront.cache import VersionedCache
from storefront.cart import credits, service
from storefront.cart.schemas import CartIn, CartOut, CreditCodeIn, LineIn, LinePatch, LookToCartIn
from storefront.cart.view import OrderRefs, QuoteCache
from storefront.clock import utcnow
from storefront.credits import codes
from storefront.fulfilment import QuoteInputs
from storefront.params import AppSettings, IdParam
from storefront.tenancy import SHOPPER, Principal, Reader

QuoteInputsCache = NamedDependency[VersionedCache[QuoteInputs]]
OrderLookup = NamedDependency[SkipValidation[OrderRefs]]  # our own function: nothing to validate


CreditRef = Annotated[
    str, PathParameter(max_length=codes.MAX_INPUT, description="the credit code, or the id the cart shows for it")
]
NO_STORE = CacheControlHeader(no_store=True)  # the answer follows a bearer code: nobody on the way keeps it


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

    @post(
        "/{cart_id:uuid}/credits",
        summary="Apply a store credit code",
        description="The credit pays first, up to what is due; nothing is held until checkout, which holds what "
        "the credit then has (the card pays the rest). Applying a code already on the cart changes nothing. "
        "Rate-limited per client like a credit look-up; a code with a typing mistake is a 422 without any look-up.",
        cache_control=NO_STORE,
    )
    async def apply_credit(
        self,
        principal: Reader,
        settings: AppSettings,
        quote_cache: QuoteInputsCache,
        order_refs: OrderLookup,
        cart_id: IdParam,
        data: JSONBody[CreditCodeIn],
    ) -> CartOut:
        key = codes.settings_key(settings)
        cart = await credits.apply_code(principal.brand_id, cart_id, data.code, code_key=key, now=utcnow())
        return await service.shown(cart, orders=order_refs, quotes=_quotes(principal, quote_cache))

    @delete(
        "/{cart_id:uuid}/credits/{code:str}",
        summary="Take a store credit off the cart",
        description="Named by its code or by the `id` the cart lists it under.",
        status_code=200,
        cache_control=NO_STORE,
    )
    async def remove_credit(
        self,
        principal: Reader,
        settings: AppSettings,
        quote_cache: QuoteInputsCache,
        order_refs: OrderLookup,
        cart_id: IdParam,
        code: CreditRef,
    ) -> CartOut:
        key = codes.settings_key(settings)
        await credits.remove_code(principal.brand_id, cart_id, code, code_key=key)
        return await service.get_cart(
            principal.brand_id, cart_id, orders=order_refs, quotes=_quotes(principal, quote_cache)
        )
