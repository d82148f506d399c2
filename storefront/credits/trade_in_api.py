"""HTTP for trade-ins: a shopper's estimate (publishable key), the desk's steps and the queue (secret key).

The trade-in's id is the shopper's capability, as a cart's is: with the publishable key a
shopper starts one, reads it back and adds photos while it is still a quote. Everything else is
staff work and needs the secret key. Another brand's trade-in is a 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Reference, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import JSONBody, PathParameter, QueryParameter

from storefront.clock import utcnow
from storefront.credits import codes, trade_in_listing, trade_in_photos, trade_ins
from storefront.credits.api import NO_STORE
from storefront.credits.recommerce import RefurbishIn
from storefront.credits.trade_in_listing import ListedTradeIn
from storefront.credits.trade_in_photos import GENERIC_TYPE, MAX_PHOTO_BYTES, PHOTO_TYPES
from storefront.credits.trade_in_schemas import (
    AcceptedTradeIn,
    InspectIn,
    PhotoOut,
    RejectIn,
    TradeInIn,
    TradeInOut,
    TradeInSummary,
)
from storefront.credits.trade_in_states import Status
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import BODY_LIMIT_OPT, AppSettings, CursorQuery, LimitQuery
from storefront.storage import media_storage
from storefront.tenancy import SHOPPER, Reader, Writer

TradeInId = Annotated[uuid.UUID, PathParameter(description="the trade-in's id (the shopper's capability)")]
PhotoId = Annotated[uuid.UUID, PathParameter(description="the photo's id")]
StatusFilter = Annotated[Status | None, QueryParameter(description="only trade-ins with this status")]
_MB = MAX_PHOTO_BYTES // (1024 * 1024)
_TYPES = ", ".join(PHOTO_TYPES)


@dataclass
class PhotoUpload(Operation):
    """The photo route reads its body itself (raw image bytes): say so in the document, and that 415 can come."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, max_length=MAX_PHOTO_BYTES)
        )
        # Documented as untyped bytes, which client generators can send (they cannot send an image type);
        # the route takes the image types too, and reads the type from the bytes either way.
        self.request_body = RequestBody(content={GENERIC_TYPE: binary}, required=True)
        problem = {
            "application/problem+json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/ProblemDetails"))
        }
        self.responses = {
            **(self.responses or {}),
            "415": OpenAPIResponse(description=f"Not an image of a type we take ({_TYPES})", content=problem),
        }


@dataclass
class PhotoDownload(Operation):
    """A photo is served as the type it was stored with, one of those we take."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        responses = dict(self.responses or {})
        content = dict.fromkeys((GENERIC_TYPE, *PHOTO_TYPES), binary)  # client generators read the first
        responses["200"] = OpenAPIResponse(description="The photo's bytes", content=content)
        self.responses = responses


async def _read_photo(request: Request[Any, Any, Any]) -> bytes:
    """The body, read no further than the limit: a 413 in words past it, without holding more in memory."""
    too_large = HTTPException(status_code=413, detail=f"a photo may be at most {_MB} MB ({MAX_PHOTO_BYTES} bytes)")
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_PHOTO_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


class TradeInController(Controller):
    path = "/v1/trade-ins"
    tags = ["trade-ins"]

    @post(
        "/",
        summary="Start a trade-in: a shopper's estimate or a staff intake",
        description="With the publishable key (a shopper's estimate) or a secret key (intake at the desk). Give "
        "`size_class` or `dimensions`. Answers the trade-in, `quoted`, with the quote explained line by line; its "
        "id is the shopper's capability to read it back and add photos.",
        opt=SHOPPER,
    )
    async def start(self, principal: Reader, data: JSONBody[TradeInIn]) -> TradeInOut:
        return await trade_ins.start_trade_in(principal.brand_id, data, actor=principal.actor, now=utcnow())

    @get(
        "/",
        summary="The trade-in queue",
        description="Secret key only. The brand's trade-ins in id order, optionally of one status, cursor-paginated.",
    )
    async def list_trade_ins(
        self,
        writer: Writer,
        status: StatusFilter = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[TradeInSummary]:
        return await trade_ins.list_trade_ins(writer.brand_id, status=status, cursor=cursor, limit=limit)

    @get(
        "/{trade_in_id:uuid}",
        summary="A trade-in, its quotes, steps and photos",
        description="With the publishable key too: the id is the shopper's capability.",
        opt=SHOPPER,
    )
    async def get_trade_in(self, principal: Reader, trade_in_id: TradeInId) -> TradeInOut:
        return await trade_ins.get_trade_in(principal.brand_id, trade_in_id)

    @post(
        "/{trade_in_id:uuid}/receive",
        summary="The bag has arrived",
        description="Secret key only. From `quoted`; again on a received trade-in answers it unchanged.",
        status_code=200,
    )
    async def receive(self, writer: Writer, trade_in_id: TradeInId) -> TradeInOut:
        return await trade_ins.receive(writer.brand_id, trade_in_id, actor=writer.actor, now=utcnow())

    @post(
        "/{trade_in_id:uuid}/inspect",
        summary="Grade the bag and quote it again",
        description="Secret key only. The quote is recomputed by the brand's rules now, for the condition found; "
        "`quote_change` says why it moved. An inspected bag may be inspected again (a re-grade, or a fresh quote "
        "once the last expired); the same condition and notes again answer it unchanged.",
        status_code=200,
    )
    async def inspect(self, writer: Writer, trade_in_id: TradeInId, data: JSONBody[InspectIn]) -> TradeInOut:
        return await trade_ins.inspect(
            writer.brand_id, trade_in_id, data.condition, data.notes, actor=writer.actor, now=utcnow()
        )

    @post(
        "/{trade_in_id:uuid}/accept",
        summary="Accept the bag and issue its credit",
        description="Secret key only. Issues store credit for the current quote; the credit's code is in this "
        "answer and never again (`Cache-Control: no-store`). Accepting again answers the trade-in with "
        "`credit.code: null` and issues nothing.",
        status_code=200,
        cache_control=NO_STORE,
    )
    async def accept(self, writer: Writer, settings: AppSettings, trade_in_id: TradeInId) -> AcceptedTradeIn:
        return await trade_ins.accept(
            writer.brand_id, trade_in_id, actor=writer.actor, now=utcnow(), code_key=codes.settings_key(settings)
        )

    @post(
        "/{trade_in_id:uuid}/reject",
        summary="Reject the bag",
        description="Secret key only. From `inspected`, with the reason the shopper is told.",
        status_code=200,
    )
    async def reject(self, writer: Writer, trade_in_id: TradeInId, data: JSONBody[RejectIn]) -> TradeInOut:
        return await trade_ins.reject(writer.brand_id, trade_in_id, data.reason, actor=writer.actor, now=utcnow())

    @post(
        "/{trade_in_id:uuid}/return",
        summary="The shopper has the bag back",
        description="Secret key only. Before acceptance, or after a rejection.",
        status_code=200,
    )
    async def return_bag(self, writer: Writer, trade_in_id: TradeInId) -> TradeInOut:
        return await trade_ins.return_bag(writer.brand_id, trade_in_id, actor=writer.actor, now=utcnow())

    @post(
        "/{trade_in_id:uuid}/list",
        summary="List an accepted bag as refurbished stock",
        description="Secret key only. Adds the piece as a variant (of `product`, or of a `new_product`) with one "
        "unit received at `location`, and steps the trade-in to `listed`. Listing again under the same SKU answers "
        "the same listing; under another SKU it is a 409.",
        status_code=200,
    )
    async def list_refurbished(
        self, writer: Writer, trade_in_id: TradeInId, data: JSONBody[RefurbishIn]
    ) -> ListedTradeIn:
        return await trade_in_listing.list_trade_in(
            writer.brand_id, trade_in_id, data, actor=writer.actor, now=utcnow()
        )

    @post(
        "/{trade_in_id:uuid}/photos",
        summary="Add a photo of the bag",
        description=f"The body is the image itself, with its type as Content-Type ({_TYPES}; or {GENERIC_TYPE}, "
        f"and the type is read from the bytes), at most {_MB} MB; at "
        "most 6 photos a trade-in. With the publishable key while the trade-in is `quoted`, with a secret key "
        "always. The same bytes again are the same photo.",
        opt={**SHOPPER, BODY_LIMIT_OPT: MAX_PHOTO_BYTES},
        request_max_body_size=None,  # read by the handler, which stops at the photo limit
        operation_class=PhotoUpload,
    )
    async def add_photo(
        self, principal: Reader, settings: AppSettings, request: Request[Any, Any, Any], trade_in_id: TradeInId
    ) -> PhotoOut:
        content_type = request.headers.get("content-type", "")
        if not trade_in_photos.takes(content_type):
            raise HTTPException(status_code=415, detail=f"send the photo with Content-Type {_TYPES}")
        data = await _read_photo(request)
        if data and trade_in_photos.sniff(data) is None:
            raise HTTPException(status_code=415, detail=f"the body is not an image of a type we take ({_TYPES})")
        return await trade_in_photos.add_photo(
            principal.brand_id,
            trade_in_id,
            data,
            content_type,
            storage=media_storage(settings),
            shopper=not principal.can_write,
            now=utcnow(),
        )

    @get(
        "/{trade_in_id:uuid}/photos/{photo_id:uuid}",
        summary="A photo of the bag",
        description="With the publishable key too. Served with its own type and `X-Content-Type-Options: nosniff`.",
        opt=SHOPPER,
        operation_class=PhotoDownload,
    )
    async def photo(
        self, principal: Reader, settings: AppSettings, trade_in_id: TradeInId, photo_id: PhotoId
    ) -> Response[bytes]:
        data, content_type = await trade_in_photos.photo_bytes(
            principal.brand_id, trade_in_id, photo_id, storage=media_storage(settings)
        )
        return Response(
            content=data,
            media_type=content_type,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
        )
