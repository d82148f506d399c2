"""HTTP for fulfilment: the configuration (secret key to write), the public quote, back-in-stock requests."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from storefront.cache import VersionedCache
from storefront.clock import utcnow
from storefront.errors import FieldError, InvalidInput
from storefront.fulfilment import back_in_stock, quoting, service
from storefront.fulfilment.promise import Point, Quote
from storefront.fulfilment.quoting import QuoteInputs
from storefront.fulfilment.rules import Method
from storefront.fulfilment.schemas import (
    BackInStockIn,
    BackInStockOut,
    CourierZoneIn,
    CourierZoneOut,
    MicrofactoryIn,
    MicrofactoryOut,
    PersonalisationOptionIn,
    PersonalisationOptionOut,
    PickupPointIn,
    PickupPointOut,
    RateIn,
)
from storefront.ids import HANDLE_PATTERN, SKU_PATTERN
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import CursorQuery, HandleParam, LimitQuery
from storefront.tenancy import SHOPPER, Reader, Writer, principal_from

SkuQuery = Annotated[str, QueryParameter(pattern=SKU_PATTERN, max_length=64, description="the variant's SKU")]
PostcodeQuery = Annotated[
    str | None,
    QueryParameter(pattern=r"^[A-Za-z0-9 ]{1,10}$", max_length=10, description="required for courier, e.g. E2 7RG"),
]
LatitudeQuery = Annotated[
    int | None, QueryParameter(ge=-90_000_000, le=90_000_000, description="micro-degrees, for radius zones")
]
LongitudeQuery = Annotated[
    int | None, QueryParameter(ge=-180_000_000, le=180_000_000, description="micro-degrees, for radius zones")
]
PickupAtQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=HANDLE_PATTERN,
        max_length=80,
        description="pickup only: one pickup point's location handle (a shop, or a pop-up stall while its event runs)",
    ),
]

QUOTE_DESCRIPTION = (
    "The delivery promise for one unit of a variant ordered now: `earliest`/`latest` (UTC; `timezone` is the "
    "fulfilling location's, for display), `cutoff` (order before it to keep the promise, or null) and the `rule` "
    "that made it. A pickup is at the soonest point holding the variant, or at `location` if given. "
    "Courier needs `postcode` (or `latitude_e6`/`longitude_e6` for radius zones). When no promise "
    "can be made: 422 with `code` one of `no_pickup_point`, `no_pickup_stock`, `pickup_closed`, "
    "`postcode_required`, `postcode_not_served`, `no_courier_stock`, `no_delivery_window`, `not_made_to_order`, "
    "`no_microfactory`, `no_capacity`, and each field error's `message` the reason in a shopper's words. A courier "
    "`postcode` that cannot be one (a district alone such as `E2`, or `E2 7R`: neither a full UK postcode nor an "
    "all-digit code) is 422 `invalid_input` on `query.postcode`. An unknown SKU is 404."
)


class FulfilmentController(Controller):
    path = "/v1/fulfilment"
    tags = ["fulfilment"]

    @get("/quote", summary="Quote a delivery promise", description=QUOTE_DESCRIPTION, opt=SHOPPER)
    async def quote(
        self,
        request: Request[Any, Any, Any],
        variant: SkuQuery,
        method: FromQuery[Method],
        postcode: PostcodeQuery = None,
        latitude_e6: LatitudeQuery = None,
        longitude_e6: LongitudeQuery = None,
        location: PickupAtQuery = None,
    ) -> Quote:
        if (latitude_e6 is None) != (longitude_e6 is None):
            field = "query.longitude_e6" if longitude_e6 is None else "query.latitude_e6"
            raise InvalidInput(
                "latitude_e6 and longitude_e6 are given together or not at all",
                errors=[FieldError(field, "missing its pair")],
            )
        point = Point(latitude_e6, longitude_e6) if latitude_e6 is not None and longitude_e6 is not None else None
        # The caller and caches straight from the scope: the public hot path, where Litestar's
        # per-request resolution of injected dependencies cost a measurable share (as for components).
        principal = principal_from(request.scope)
        quote_cache: VersionedCache[QuoteInputs] = request.app.state.read_caches.quotes
        return await quoting.quote(
            principal.brand_id,
            variant,
            method,
            postcode=postcode,
            point=point,
            location=location,
            version=principal.catalog_version,
            cache=quote_cache,
        )

    @get("/pickup-points", summary="List pickup points", opt=SHOPPER)
    async def list_pickup_points(
        self, principal: Reader, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[PickupPointOut]:
        return await service.list_pickup_points(principal.brand_id, cursor=cursor, limit=limit)

    @post("/pickup-points", summary="Make a shop a pickup point")
    async def create_pickup_point(self, writer: Writer, data: JSONBody[PickupPointIn]) -> PickupPointOut:
        return await service.create_pickup_point(writer.brand_id, data)

    @get("/courier-zones", summary="List courier zones with their rates", opt=SHOPPER)
    async def list_courier_zones(
        self, principal: Reader, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[CourierZoneOut]:
        return await service.list_courier_zones(principal.brand_id, cursor=cursor, limit=limit)

    @post("/courier-zones", summary="Create a courier zone with its first rate")
    async def create_courier_zone(self, writer: Writer, data: JSONBody[CourierZoneIn]) -> CourierZoneOut:
        return await service.create_courier_zone(writer.brand_id, data)

    @post(
        "/courier-zones/{handle:str}/rates",
        summary="Add an effective-dated rate to a courier zone",
        description="Rates are never edited: the new one applies from `effective_from` (default now, never "
        "in the past) until `effective_to` if given; the latest-starting rate in force wins.",
    )
    async def add_courier_rate(self, writer: Writer, handle: HandleParam, data: JSONBody[RateIn]) -> CourierZoneOut:
        return await service.add_courier_rate(writer.brand_id, handle, data)

    @get("/microfactories", summary="List microfactories")
    async def list_microfactories(
        self, principal: Reader, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[MicrofactoryOut]:
        return await service.list_microfactories(principal.brand_id, cursor=cursor, limit=limit)

    @post("/microfactories", summary="Make a microfactory location take made-to-order work")
    async def create_microfactory(self, writer: Writer, data: JSONBody[MicrofactoryIn]) -> MicrofactoryOut:
        return await service.create_microfactory(writer.brand_id, data)

    @get("/personalisation-options", summary="List personalisation options", opt=SHOPPER)
    async def list_personalisation_options(
        self, principal: Reader, cursor: CursorQuery = None, limit: LimitQuery = DEFAULT_LIMIT
    ) -> Page[PersonalisationOptionOut]:
        return await service.list_personalisation_options(principal.brand_id, cursor=cursor, limit=limit)

    @post("/personalisation-options", summary="Create a monogram or thread-colour option")
    async def create_personalisation_option(
        self, writer: Writer, data: JSONBody[PersonalisationOptionIn]
    ) -> PersonalisationOptionOut:
        return await service.create_personalisation_option(writer.brand_id, data)


# --- back in stock ----------------------------------------------------------------------------

StatusQuery = Annotated[Literal["waiting", "due"] | None, QueryParameter(description="only requests in this state")]

ASK_DESCRIPTION = (
    "A shopper asks to be told when a sold-out variant can be had again: `variant` (the SKU) and `email`. "
    "One request per variant and email (the email compared in lower case): asking again answers the same "
    "request with 200, a new one is 201. `status` is `waiting`, or `due` at once when the variant can already "
    "be had. Send `Idempotency-Key` (a random UUID with a publishable key). Nothing is mailed from here: the "
    "brand's mailer lists the due requests with `GET /v1/back-in-stock?status=due` and writes to the shoppers."
)
LIST_DESCRIPTION = (
    "Secret key only: the brand's back-in-stock requests, oldest first, paged by `cursor`. A waiting request "
    "becomes `due` (with `due_at`) once its variant can be had online again (sellable units at a shop or "
    "warehouse, or made to order); every read brings the list up to date with stock first, so a mailer polling "
    "`?status=due` sees each request as soon as its variant is back."
)


class BackInStockController(Controller):
    path = "/v1/back-in-stock"
    tags = ["fulfilment"]

    @post("/", summary="Ask to be told when a variant is back in stock", description=ASK_DESCRIPTION, opt=SHOPPER)
    async def ask(self, principal: Reader, data: JSONBody[BackInStockIn]) -> Response[BackInStockOut]:
        request, created = await back_in_stock.ask(principal.brand_id, data, utcnow())
        return Response(request, status_code=201 if created else 200)

    @get("/", summary="List back-in-stock requests (for the brand's mailer)", description=LIST_DESCRIPTION)
    async def list_requests(
        self,
        writer: Writer,
        status: StatusQuery = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[BackInStockOut]:
        return await back_in_stock.list_requests(writer.brand_id, utcnow(), status=status, cursor=cursor, limit=limit)
