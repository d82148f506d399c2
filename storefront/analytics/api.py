"""HTTP for analytics: the component beacon (publishable key) and the funnel report (secret key)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, SkipValidation

from storefront.analytics import service
from storefront.analytics.rules import MAX_BEACON_PURCHASES
from storefront.analytics.schemas import COMPONENT_PATTERN, DEFAULT_PAGE_KEYS, MAX_PAGE_KEYS, Accepted, AnalyticsSummary
from storefront.params import HandleFilter, InstantQuery, instant
from storefront.tenancy import SHOPPER, Reader, Writer

MAX_BEACON_BYTES = 64 * 1024  # 50 events at their longest are under 20 KiB

ComponentFilter = Annotated[str | None, QueryParameter(pattern=COMPONENT_PATTERN, max_length=40)]
# Longer than the id lists' cursors: this one carries a (component, product) pair.
PageCursor = Annotated[str | None, QueryParameter(max_length=256)]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_KEYS, description="(component, product) keys per page")]
# The catalogue's answer to "which of these handles are our products", injected by the app.
KnownProductsDep = NamedDependency[SkipValidation[service.KnownProducts]]


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
            "`{accepted: n, rejected: m}`. Events that no real page sends are dropped and counted in `rejected` "
            "(the rest of the batch is kept: a beacon cannot retry or read an error): those for a `product` that "
            "is none of the brand's handles, and `purchase` events beyond one per (component, product, variant) "
            f"and {MAX_BEACON_PURCHASES} per batch. Not idempotent: beacons cannot send `Idempotency-Key`, so a "
            "resent batch counts again; only exact duplicates within one batch are dropped (and counted in neither)."
        ),
        status_code=202,
        request_max_body_size=MAX_BEACON_BYTES,
        opt=SHOPPER,
    )
    async def record_events(
        self, principal: Reader, known_products: KnownProductsDep, request: Request[Any, Any, Any]
    ) -> Accepted:
        # Read the raw body so any Content-Type works: text/plain is what a beacon sends without a
        # CORS preflight.
        batch = service.decode_batch(await request.body())
        return await service.accept_beacon(principal.brand_id, batch, known_products=known_products)

    @get(
        "/summary",
        summary="Conversion funnel by component, product and fulfilment method",
        description=(
            "Secret key only. Counts events received in `[since, until)` (default: the last 30 UTC days, today "
            "included, up to now) per (component, product, method) in funnel order (impression, variant_select, "
            "fulfilment_select, add_to_cart, checkout_start, purchase), with `views` (impression + "
            "fulfilment_select) and conversion rates in basis points (1250 = 12.50 %; each null when its "
            "denominator is zero): from impression to add_to_cart and to purchase, add_to_cart per view, and the "
            "steps cart to checkout and checkout to purchase. Engagement events (hotspot_select, "
            "suggestion_select, repair_guide_open) are counted beside the funnel in `engagement`.\n\n"
            "Which method an event counts under: impressions and variant selections carry the method in view "
            "(the buy box's selection when the component was shown), fulfilment_select the method chosen, and "
            "add_to_cart, checkout_start and purchase the cart line's. Events of components without a buy box, "
            "and impressions recorded before they carried the method, count under method null (`none` in "
            "`by_method`), so compare methods by `view_to_cart_bp` and the step rates.\n\n"
            "`groups` is paged: a page holds the groups of up to `limit` (default 50, at most 200) (component, "
            "product) keys that had events in the window, in (component, product) order, each key with a group "
            "per method it had (so at most 4 x `limit` groups). Pass `next_cursor` back as `cursor` for the next "
            "page (null, with `has_more` false, on the last) and the same `since`/`until` (the answer echoes "
            "them), or a moving default window shifts between pages. `component` and `product` (a handle) narrow "
            "the groups. `by_method` is the brand's totals for the whole window on every page, whatever the "
            "filters. A key whose events in the window are all engagement events has a group whose funnel is "
            "all zeros, with its `engagement`.\n\n"
            "Counts are kept per UTC day and per UTC hour: whole days in the window come from the daily counters, "
            "the partial days at its edges from the hourly ones, and a partial hour at an explicit edge (`since` or "
            "`until` not on the hour) is counted exactly from the raw events, which are kept for "
            "`STALLKIT_ANALYTICS_RETENTION_DAYS` (default 90). An edge older than that counts only whole hours: "
            "its partial hour's events are gone. The default window starts at midnight UTC and reads daily "
            "counters alone."
        ),
    )
    async def summary(
        self,
        writer: Writer,
        since: InstantQuery = None,
        until: InstantQuery = None,
        component: ComponentFilter = None,
        product: HandleFilter = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_PAGE_KEYS,
    ) -> AnalyticsSummary:
        return await service.summary(
            writer.brand_id,
            since=instant("since", since),
            until=instant("until", until),
            component=component,
            product=product,
            cursor=cursor,
            limit=limit,
        )
