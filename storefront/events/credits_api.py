"""HTTP for store credit taken to a pop-up event: parse, check the event, call the credit ledger's stall work.

The shopper holds the code, so taking it to the stall is open to the publishable key as well as
to staff, and, as every route that says whether a code exists, rate-limited per client with the
credit look-ups (``storefront.api.ratelimit``). Giving it back before the event closes is staff's.
The code travels in the body or the path: it is checked before anything is read, and the answer
(which never holds the code) is ``Cache-Control: no-store`` like every answer about a code.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, PathParameter

from storefront.clock import utcnow
from storefront.credits import EventCredit, codes
from storefront.events import offline_credits
from storefront.events.offline_credits import EventCreditIn
from storefront.ids import new_id
from storefront.params import AppSettings, IdParam
from storefront.tenancy import SHOPPER, Reader, Writer

CodeParam = Annotated[str, PathParameter(max_length=codes.MAX_INPUT, description="the credit code, as printed")]
NO_STORE = CacheControlHeader(no_store=True)


class EventCreditController(Controller):
    path = "/v1/events/{event_id:uuid}/credits"
    tags = ["events"]

    @post(
        "/",
        summary="Take a store credit to the event's stall",
        description="With the publishable key (the shopper holds the code) or the secret key. Holds on the server, "
        "for the event, the smaller of `amount` (default: 100 whole units of the credit's currency) and what the "
        "credit can spend, so online checkouts can no longer spend it; the event's tills may take up to `cap` "
        "offline. Calling again moves the cap: the hold is topped up or partly given back in one transaction. "
        "Rate-limited per client like credit look-ups; a code with a typing mistake is a 422 before any look-up, "
        "another brand's event or code a 404, a credit with nothing left a 409 `credit_insufficient`.",
        opt=SHOPPER,
        cache_control=NO_STORE,
    )
    async def take_credit(
        self,
        principal: Reader,
        settings: AppSettings,
        request: Request[Any, Any, Any],
        event_id: IdParam,
        data: JSONBody[EventCreditIn],
    ) -> EventCredit:
        key = offline_credits.key_for(request.headers.get("idempotency-key"), event_id) or f"api:{new_id()}"
        return await offline_credits.take(
            principal.brand_id,
            event_id,
            data,
            code_key=codes.settings_key(settings),
            key=key,
            actor=principal.actor,
            now=utcnow(),
        )

    @delete(
        "/{code:str}",
        summary="Give a store credit back from the event's stall",
        description="Secret key only. Releases all the event still holds of the credit (its cap becomes 0, which "
        "the tills hear at their next sync). Releasing again changes nothing; a credit never taken to the event is "
        "a 404.",
        status_code=200,
        cache_control=NO_STORE,
    )
    async def release_credit(
        self,
        writer: Writer,
        settings: AppSettings,
        request: Request[Any, Any, Any],
        event_id: IdParam,
        code: CodeParam,
    ) -> EventCredit:
        return await offline_credits.release(
            writer.brand_id,
            event_id,
            code,
            code_key=codes.settings_key(settings),
            key=offline_credits.key_for(request.headers.get("idempotency-key"), event_id),
            actor=writer.actor,
            now=utcnow(),
        )
