"""HTTP for an event's end: its report (JSON and a page with charts) and closing it (secret key)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader

from storefront.events import closing, report, report_page
from storefront.events.report import EventReport
from storefront.events.schemas import EventOut
from storefront.params import IdParam
from storefront.tenancy import Writer
from storefront.tenancy import service as tenancy

PRIVATE = CacheControlHeader(private=True, no_cache=True)


class EventReportController(Controller):
    path = "/v1/events/{event_id:uuid}"
    tags = ["events"]

    @get(
        "/report",
        summary="The event report: sales by hour, payment mix, stock, trade-ins, conflicts, cash-ups",
        description="Computed from the entries the stall devices synced, in (device, sequence) order. Per device, "
        "each cash-up sets the till's expected cash beside the storefront's own sum of that device's entries "
        "(`unexplained` is their difference: 0 when they agree to the penny) and the count.",
        cache_control=PRIVATE,
    )
    async def get_report(self, writer: Writer, event_id: IdParam) -> EventReport:
        return await report.event_report(writer.brand_id, event_id)

    @get(
        "/report/page",
        summary="The event report as a printable page with charts (HTML)",
        media_type="text/html",
        cache_control=PRIVATE,
    )
    async def report_page(self, writer: Writer, event_id: IdParam) -> Response[str]:
        brand = await tenancy.read_brand(writer.brand_id)
        figures = await report.event_report(writer.brand_id, event_id)
        return Response(report_page.render_report(figures, brand.locale))

    @post(
        "/close",
        summary="Close the event: unsold stock back to where it came from, collection at the stall ended",
        description="Units still available at the stall go back to the locations they were allocated from (latest "
        "allocation first, each source at most what it sent), through the stock ledger, and the stall stops being a "
        "pickup point. Offline credit caps held for the event go back to their codes once its packs expire (two "
        "days after its end), by housekeeping. Closing again changes nothing. Devices may still sync: entries arriving "
        "after the close are applied and marked late.",
        status_code=200,
    )
    async def close(self, writer: Writer, event_id: IdParam) -> EventOut:
        return await closing.close_event(writer.brand_id, event_id)
