"""HTTP for store credit and the trade-in rules: parse, call the service, return its schema.

A credit code travels in the path, so it is checked (shape and check symbol) before anything is
read, and the look-up a shopper may make with the publishable key is rate-limited per client
(``storefront.api.ratelimit``): a code is a bearer instrument and must not be guessable by trying.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, PathParameter

from storefront.clock import utcnow
from storefront.credits import codes, service, slip, trade_in_rules
from storefront.credits.schemas import CreditIn, CreditOut, EntryOut, IssuedCredit, TradeInRulesOut
from storefront.credits.valuation import ValuationRules
from storefront.ids import new_id
from storefront.money import Money
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import AppSettings, CursorQuery, LimitQuery
from storefront.tenancy import SHOPPER, Reader, Writer

# No pattern here: a code with a typo is answered by the service, in words, with the field named.
CodeParam = Annotated[str, PathParameter(max_length=codes.MAX_INPUT, description="the credit code, as printed")]
# The code's text must never be kept by anyone on the way, nor by the idempotency store.
NO_STORE = CacheControlHeader(no_store=True)


class CreditController(Controller):
    path = "/v1/credits"
    tags = ["credits"]

    @post(
        "/",
        summary="Issue a goodwill or refund credit",
        description="Secret key only. The code is in this response and never again (only a keyed hash of it is "
        "stored); the response is `Cache-Control: no-store`. A retry with the same `Idempotency-Key` issues "
        "nothing new and answers the credit with `code: null`.",
        cache_control=NO_STORE,
    )
    async def issue(
        self, writer: Writer, settings: AppSettings, request: Request[Any, Any, Any], data: JSONBody[CreditIn]
    ) -> IssuedCredit:
        header = request.headers.get("idempotency-key")
        now = utcnow()
        code, credit, _ = await service.issue(
            writer.brand_id,
            Money(amount=data.amount.amount, currency=data.amount.currency),
            key=f"api:{header}" if header else f"api:{new_id()}",
            reason=data.reason,
            actor=writer.actor,
            code_key=codes.settings_key(settings),
            now=now,
            expires_at=data.expires_at,
        )
        return IssuedCredit(code=code, credit=await service.credit_view(credit, now))

    @get(
        "/{code:str}",
        summary="A credit's balance, lots and status",
        description="With the publishable key too: the code is the shopper's capability. Rate-limited per client; "
        "a code with a typing mistake (its check symbol does not match) is a 422 without any look-up, "
        "an unknown code a 404.",
        opt=SHOPPER,
    )
    async def look_up(self, principal: Reader, settings: AppSettings, code: CodeParam) -> CreditOut:
        return await service.look_up(principal.brand_id, code, codes.settings_key(settings), utcnow())

    @get(
        "/{code:str}/slip",
        summary="A credit's printable slip (HTML, for A6 or a receipt printer)",
        description="Secret key only: the page shows the code, its QR code, the balance, each lot's expiry and where "
        "it can be spent. `Cache-Control: no-store`.",
        media_type="text/html",
        cache_control=NO_STORE,
    )
    async def print_slip(self, writer: Writer, settings: AppSettings, code: CodeParam) -> Response[str]:
        return Response(await slip.credit_slip(writer.brand_id, code, codes.settings_key(settings), utcnow()))

    @get(
        "/{code:str}/entries",
        summary="A credit's ledger",
        description="Secret key only. Every entry, oldest first, cursor-paginated.",
    )
    async def list_entries(
        self,
        writer: Writer,
        settings: AppSettings,
        code: CodeParam,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[EntryOut]:
        return await service.list_entries(
            writer.brand_id, code, codes.settings_key(settings), cursor=cursor, limit=limit
        )


RULES_DESCRIPTION = (
    "Secret key only. A brand that has set no rules gets the defaults (`is_default: true`): a base value by size "
    "class (10, 20, 35 and 50 whole units of its currency), condition A 100%, B 80%, C 55%, D 25%, other brands' "
    "bags at 60%, no bonus, no minimum, at most 300 units a bag, quotes valid 14 days."
)


class TradeInRulesController(Controller):
    path = "/v1/trade-in-rules"
    tags = ["credits"]

    @get("/", summary="The brand's trade-in valuation rules", description=RULES_DESCRIPTION)
    async def get_rules(self, writer: Writer) -> TradeInRulesOut:
        return await trade_in_rules.get_trade_in_rules(writer.brand_id)

    @put(
        "/",
        summary="Replace the brand's trade-in valuation rules",
        description=RULES_DESCRIPTION + " Factors are integers per mille (1000 keeps the value); amounts are minor "
        "units in the brand's currency. A better grade may not be worth less than a worse one.",
    )
    async def put_rules(self, writer: Writer, data: JSONBody[ValuationRules]) -> TradeInRulesOut:
        return await trade_in_rules.put_trade_in_rules(writer.brand_id, data)
