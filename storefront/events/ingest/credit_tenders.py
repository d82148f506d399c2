"""Store credit moved by stall entries: redeemed by a sale, given back by a void, issued by a return's refund.

The one place the sync calls the credit ledger for tenders. What the server cannot do is
flagged, never refused: a credit the till took offline beyond what the server held (or a code it
does not know) is recorded with its shortfall for the merchant (DESIGN 9.4).
"""

from __future__ import annotations

from storefront.credits import issue_stall_code, redeem_offline, service, stall_intake
from storefront.errors import StallkitError
from storefront.events.ingest.context import Batch
from storefront.events.journal import SyncEntry, Tender

ACTOR = "system:stall-sync"


async def redeem(batch: Batch, entry: SyncEntry, tender: Tender, *, key: str, reason: str) -> None:
    code = tender.code or ""
    if not code:
        batch.flag(entry, "credit_shortfall", f"{reason}: a credit tender without a code", key=key)
        return
    done = await redeem_offline(
        batch.brand_id,
        event_id=batch.event.id,
        code=code,
        amount=tender.amount,
        currency=batch.currency,
        key=key,
        reason=reason,
        actor=ACTOR,
        now=batch.now,
        code_key=batch.code_key,
    )
    if done.shortfall > 0:
        batch.flag(
            entry,
            "credit_shortfall",
            f"{reason}: credit ...{code[-4:]} redeemed offline beyond what the server held: "
            f"{done.redeemed} of {tender.amount} covered, {done.shortfall} short",
            key=key,
        )


async def give_back(batch: Batch, entry: SyncEntry, tender: Tender, *, key: str, reason: str) -> None:
    """A void hands credit back onto the code that paid (as a refund of what it redeemed)."""
    try:
        credit = await service.credit_by_code(batch.brand_id, tender.code or "", batch.code_key)
        await service.refund(batch.brand_id, credit.id, tender.amount, key=key, reason=reason, actor=ACTOR)
    except StallkitError as exc:
        batch.flag(
            entry,
            "credit_refund",
            f"{reason}: credit ...{(tender.code or '')[-4:]} not given back: {exc.detail}",
            key=key,
        )


async def issue(batch: Batch, entry: SyncEntry, tender: Tender, *, key: str, reason: str) -> None:
    """A refund onto store credit: a new credit under the code the till printed."""
    code = tender.code or ""
    try:
        if not code:
            raise service.InvalidCreditCode("a credit refund without a code")
        if await stall_intake.code_taken(code, batch.code_key):
            raise service.InvalidCreditCode("the code is already another credit's")
        await issue_stall_code(
            batch.brand_id,
            code=code,
            amount=tender.amount,
            currency=batch.currency,
            key=key,
            reason=reason,
            actor=ACTOR,
            now=batch.now,
            expires_at=None,
            code_key=batch.code_key,
        )
    except StallkitError as exc:
        batch.flag(entry, "credit_issue", f"{reason}: credit ...{code[-4:]} not issued: {exc.detail}", key=key)
