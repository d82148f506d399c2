"""HTTP for analytics: the component beacon (publishable key) and the funnel report (secret key)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter

from storefront.analytics import service
from storefront.analytics.schemas import Accepted, AnalyticsSummary
from storefront.tenancy import Reader, Writer

MAX_BEACON_BYTES = 64 * 1024  # 50 events at their longest are under 20 KiB

WindowParam = Annotated[
    datetime | None, QueryParameter(description="ISO 8601 with a UTC offset, e.g. 2026-11-23T10:00:00Z")
]


class AnalyticsController(Controller):
    path = "/v1/analytics"
    tags = ["analytics"]

    @post(
        "/events",
        summary="Record component events (beacon)",
        description=(
            "For `navigator.sendBeacon` from embedded components: the publishable key comes as `?key=pk_...` "
            "(the one write a publishable key may make; the brand's allowed origins still apply), the body is an "
            "`EventBatch` of 1-50 events as JSON, sent as `text/plain` or `application/json`. Answers 202 "
            "`{accepted: n}`. Not idempotent: beacons cannot send `Idempotency-Key`, so a resent batch counts "
            "again; only exact duplicates within one batch are dropped."
        ),
        status_code=202,
        request_max_body_size=MAX_BEACON_BYTES,
    )
    async def record_events(self, principal: Reader, request: Request[Any, Any, Any]) -> Accepted:
        # Read the raw body so any Content-Type works: text/plain is what a beacon sends without a
        # CORS preflight.
        batch = service.decode_batch(await request.body())
        return Accepted(accepted=await service.record_events(principal.brand_id, batch))

    @get(
        "/summary",
        summary="Conversion funnel by component, product and fulfilment method",
        description=(
            "Secret key only. Counts events received in `[since, until)` (default: the last 30 days) per "
            "(component, product, method) in funnel order, with conversion from impression to add_to_cart and "
            "to purchase in basis points (1250 = 12.50 %; null without impressions), and totals per method. "
            "Counts are kept per UTC hour: whole hours in the window come from those counters, and a partial hour "
            "at an edge (`since` or `until` not on the hour, as the default window's are) is counted exactly from "
            "the raw events, which are kept for `STALLKIT_ANALYTICS_RETENTION_DAYS` (default 90). An edge older "
            "than that counts only whole hours: its partial hour's events are gone."
        ),
    )
    async def summary(self, writer: Writer, since: WindowParam = None, until: WindowParam = None) -> AnalyticsSummary:
        return await service.summary(writer.brand_id, since=since, until=until)
