"""HTTP for analytics: the component beacon (publishable key) and the funnel report (secret key)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException
from litestar.params import QueryParameter

from storefront.analytics import service
from storefront.analytics.schemas import Accepted, AnalyticsSummary, EventBatch
from storefront.api.deps import Reader, Writer
from storefront.errors import FieldError, InvalidInput

MAX_BEACON_BYTES = 64 * 1024  # 50 events at their longest are under 20 KiB
_DECODER = msgspec.json.Decoder(EventBatch)
_LOCATION = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")

WindowParam = Annotated[
    datetime | None, QueryParameter(description="ISO 8601 with a UTC offset, e.g. 2026-11-23T10:00:00Z")
]


def _field_error(message: str) -> FieldError:
    """msgspec's ``... - at `$.events[0].type``` as a field error on ``body.events[0].type``."""
    path = ""
    match = _LOCATION.search(message)
    if match:
        message, path = message[: match.start()], match.group("path")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        path = f"{path}.{unknown.group(1)}"
    return FieldError(f"body{path}", message)


def decode_batch(raw: bytes) -> EventBatch:
    """The batch from a raw body, whatever its Content-Type: sendBeacon sends ``text/plain``.

    Bytes that are not JSON are a 400; JSON that breaks the schema is a 422 naming the field.
    """
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        error = _field_error(str(exc))
        raise InvalidInput(f"{error.field}: {error.message}", errors=[error]) from None
    except msgspec.DecodeError:
        raise ClientException("The body is not valid JSON.") from None


class AnalyticsController(Controller):
    path = "/v1/analytics"
    tags = ["analytics"]

    @post(
        "/events",
        summary="Record component events (beacon)",
        description=(
            "For `navigator.sendBeacon` from embedded components: the publishable key comes as `?key=pk_...` "
            "(the one write a publishable key may make; the brand's allowed origins still apply), the body is JSON "
            "sent as `text/plain` or `application/json`, 1-50 events. Answers 202 `{accepted: n}`. "
            "Not idempotent: beacons cannot send `Idempotency-Key`, so a resent batch counts again; only exact "
            "duplicates within one batch are dropped."
        ),
        status_code=202,
        request_max_body_size=MAX_BEACON_BYTES,
    )
    async def record_events(self, principal: Reader, request: Request[Any, Any, Any]) -> Accepted:
        batch = decode_batch(await request.body())
        return Accepted(accepted=await service.record_events(principal.brand_id, batch))

    @get(
        "/summary",
        summary="Conversion funnel by component, product and fulfilment method",
        description=(
            "Secret key only. Counts events received in `[since, until)` (default: the last 30 days) per "
            "(component, product, method) in funnel order, with conversion from impression to add_to_cart and "
            "to purchase in basis points (1250 = 12.50 %; null without impressions), and totals per method."
        ),
    )
    async def summary(self, writer: Writer, since: WindowParam = None, until: WindowParam = None) -> AnalyticsSummary:
        return await service.summary(writer.brand_id, since=since, until=until)
