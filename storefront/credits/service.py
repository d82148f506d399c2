"""Credits persistence: issuing, holding, redeeming and expiring store credit, and the brand's trade-in rules.

Every write goes through :mod:`storefront.credits.ledger` in one transaction with the credit row
locked. Each operation carries an idempotency key (unique per brand): calling again with the same
key answers what the first call did and writes nothing; the same key for a different operation
is a 409. Callers in higher layers (checkout, orders, the trade-in desk) use these functions and
never the tables. The brand's valuation rules are kept by :mod:`storefront.credits.trade_in_rules`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import cast

import msgspec
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.credits import codes, ledger, rules, views
from storefront.credits.models import Credit, CreditEntry, CreditLot
from storefront.credits.schemas import CreditOut, EntryOut, Movement
from storefront.errors import (
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    StallkitError,
    raise_field_errors,
)
from storefront.money import Money
from storefront.pagination import Page, page_of, page_query
from storefront.tenancy import brand_currency

log = logging.getLogger("stallkit.credits")
EXPIRY_BATCH = 200


class CreditInsufficient(Conflict):
    code = "credit_insufficient"
    title = "Not enough credit"


class InvalidCreditCode(InvalidInput):
    code = "credit_code_invalid"
    title = "Not a credit code"


# --- reading ----------------------------------------------------------------------------------


def parse_code(text: str, field: str = "path.code") -> str:
    """The code's normalised symbols; a 422 naming the mistake, before anything is read from the database."""
    try:
        return codes.parse(text)
    except codes.BadCode as exc:
        raise InvalidCreditCode(str(exc), errors=[FieldError(field, str(exc))]) from None


async def credit_by_code(brand_id: uuid.UUID, text: str, code_key: bytes, field: str = "path.code") -> Credit:
    """The brand's credit with this code; another brand's code is as unknown as a made-up one."""
    wanted = codes.code_hash(code_key, parse_code(text, field))
    credit = await Credit.get_or_none(code_hash=wanted)
    if credit is None or credit.brand_id != brand_id or not codes.same_hash(credit.code_hash, wanted):
        raise NotFound("no credit with this code", errors=[FieldError(field, "no such credit")])
    return credit


async def credit_view(credit: Credit, now: datetime) -> CreditOut:
    return views.credit_out(credit, await ledger.lots_of(credit.id), now)


async def get_credit(brand_id: uuid.UUID, credit_id: uuid.UUID, now: datetime) -> CreditOut:
    credit = await Credit.get_or_none(brand_id=brand_id, id=credit_id)
    if credit is None:
        raise NotFound("no such credit")
    return await credit_view(credit, now)


async def look_up(brand_id: uuid.UUID, text: str, code_key: bytes, now: datetime) -> CreditOut:
    """What a code is worth now: its balance, its lots (soonest-expiring first) and its status."""
    return await credit_view(await credit_by_code(brand_id, text, code_key), now)


async def list_entries(
    brand_id: uuid.UUID, text: str, code_key: bytes, *, cursor: str | None, limit: int
) -> Page[EntryOut]:
    """A page of the credit's ledger, oldest first, so reading on from a cursor replays its history in order."""
    credit = await credit_by_code(brand_id, text, code_key)
    entries = await page_query(CreditEntry.filter(credit_id=credit.id), cursor, limit)
    return page_of([views.entry_out(e, credit.currency) for e in entries], [e.id for e in entries], limit)


# --- writing ----------------------------------------------------------------------------------


def _same_operation(
    prior: Sequence[CreditEntry], kind: rules.EntryKind, credit_id: uuid.UUID, totals: tuple[int, int] | None
) -> bool:
    if prior[0].kind != kind or prior[0].credit_id != credit_id:
        return False
    return totals is None or totals == (sum(e.amount_minor for e in prior), sum(e.held_minor for e in prior))


def reused(key: str) -> IdempotencyKeyReused:
    return IdempotencyKeyReused(
        f"the idempotency key {key!r} was used for another credit operation",
        errors=[FieldError("idempotency_key", "already used for a different operation")],
    )


async def locked(brand_id: uuid.UUID, credit_id: uuid.UUID) -> Credit:
    credit = await ledger.locked_credit(brand_id, credit_id)
    if credit is None:
        raise NotFound("no such credit")
    return credit


Body = Callable[[ledger.Writer, list[CreditLot]], Awaitable[None]]
Totals = tuple[int, int] | None
# Which credit an operation is on: its id, or (settling a hold) a look-up run in the operation's
# transaction that answers the credit and the totals the operation will have.
Target = uuid.UUID | Callable[[], Awaitable[tuple[uuid.UUID, Totals]]]


async def _operate(
    brand_id: uuid.UUID,
    target: Target,
    kind: rules.EntryKind,
    key: str,
    body: Body,
    *,
    reason: str,
    actor: str,
    totals: Totals = None,
    settles: str | None = None,
) -> Movement:
    """Run one ledger operation on a locked credit, or answer the one already written under ``key``.

    The key is not looked up first: the entries' unique key refuses a second operation under it,
    and only then (or when nothing was written) is the first one read back, off the hot path.

    ``totals`` (change to the balance, change to what is held) is what the caller asks for, so a key
    reused for a different amount is told apart from a replay.
    """
    try:
        async with in_transaction():
            credit_id, totals = (target, totals) if isinstance(target, uuid.UUID) else await target()
            found = await ledger.locked_with_lots(brand_id, credit_id)
            if found is None:
                raise NotFound("no such credit")
            credit, lots = found
            writer = ledger.Writer(credit, kind, key, reason=reason, actor=actor, settles=settles)
            await body(writer, lots)
            entries = await writer.finish(lots)
        refused = None
    except (IntegrityError, StallkitError) as exc:
        # A twin under the same key wrote first (its entries' key is taken), or the operation was
        # refused: a retry of one that went through answers what it did, whatever has changed since.
        refused, entries = exc, []
    if entries:
        return views.movement(credit, kind, entries, replayed=False)
    prior = await ledger.replayed(brand_id, key)  # nothing written now: was it written before?
    if prior:
        if not _same_operation(prior, kind, credit_id, totals):
            raise reused(key)
        return views.movement(await Credit.get(id=credit_id), kind, prior, replayed=True)
    if refused is not None:
        raise refused
    return views.movement(credit, kind, [], replayed=False)  # it had nothing to move (a hold of what is left)


def _check_amount(amount: int, field: str = "body.amount.amount") -> None:
    problem = rules.amount_problem(amount)
    if problem:
        raise_field_errors([FieldError(field, problem)])


def _insufficient(exc: rules.Shortfall, currency: str) -> CreditInsufficient:
    return CreditInsufficient(
        f"this credit has {exc.available} {currency} minor units left to spend, not {exc.wanted}",
        errors=[FieldError("body.amount", "more than the credit holds")],
        extensions={"available": exc.available},
    )


async def issue(
    brand_id: uuid.UUID,
    amount: Money,
    *,
    key: str,
    reason: str,
    actor: str,
    code_key: bytes,
    now: datetime,
    expires_at: datetime | None = None,
    prefix: str = codes.DEFAULT_PREFIX,
    code: str | None = None,
) -> tuple[str | None, Credit, Movement]:
    """A new credit holding ``amount`` in one lot: its code, the credit and the entry.

    The code is None when this replays an issue already answered: a code is shown once. ``code``
    is one minted elsewhere (a stall till's, offline, under its device mark) to issue under
    instead of drawing a new one; a code already taken by another credit is an IntegrityError.
    """
    _check_amount(amount.amount)
    errors: list[FieldError] = []
    currency = await brand_currency(brand_id)
    if amount.currency != currency:
        errors.append(FieldError("body.amount.currency", f"credit is kept in the brand's currency, {currency}"))
    if expires_at is not None and expires_at <= now:
        errors.append(FieldError("body.expires_at", "must be in the future"))
    raise_field_errors(errors)
    replay = await _issued_before(brand_id, key, amount.amount, reason, expires_at)
    if replay is not None:
        return None, *replay
    stall_issued = code is not None  # minted by a stall's till: a stall may spend it from its balance
    code = code or codes.generate(prefix)
    normalised = codes.normalise(code)
    try:
        async with in_transaction():
            credit = await Credit.create(
                brand_id=brand_id,
                code_hash=codes.code_hash(code_key, normalised),
                code_hint=codes.display_hint(normalised),
                # What finds the credit at a stall, from its pack, without the code (every credit from now on).
                offline_lookup=codes.offline_lookup(brand_id, normalised),
                stall_issued=stall_issued,
                currency=currency,
            )
            writer = ledger.Writer(credit, "issue", key, reason=reason, actor=actor)
            writer.new_lot(amount.amount, expires_at)
            entries = await writer.finish([])
    except IntegrityError:  # a racing call with the same key wrote first
        replay = await _issued_before(brand_id, key, amount.amount, reason, expires_at)
        if replay is None:
            raise
        return None, *replay
    return code, credit, views.movement(credit, "issue", entries, replayed=False)


async def _issued_before(
    brand_id: uuid.UUID, key: str, amount: int, reason: str, expires_at: datetime | None
) -> tuple[Credit, Movement] | None:
    """The credit an issue under ``key`` made, if one did; 409 if that issue was of something else.

    The API does not keep an issue's answer (it holds the code), so the whole request is compared here.
    """
    prior = await ledger.replayed(brand_id, key)
    if not prior:
        return None
    credit = await Credit.get(id=prior[0].credit_id)
    lot = await CreditLot.get(id=prior[0].lot_id)
    same = prior[0].reason == reason and lot.expires_at == expires_at
    if not same or not _same_operation(prior, "issue", credit.id, (amount, 0)):
        raise reused(key)
    return credit, views.movement(credit, "issue", prior, replayed=True)


class Spendable(msgspec.Struct, frozen=True, kw_only=True):
    amount: int  # minor units payable now: unexpired lots, less what checkouts hold
    expires_at: datetime | None  # when the soonest of those lots expires


async def spendable(credit_ids: Sequence[uuid.UUID], now: datetime) -> dict[uuid.UUID, Spendable]:
    """What each credit could pay now, and until when: one query for all of a cart's codes."""
    lots: dict[uuid.UUID, list[rules.Lot]] = {credit_id: [] for credit_id in credit_ids}
    if lots:
        for lot in await CreditLot.filter(credit_id__in=list(lots), remaining_minor__gt=0):
            lots[lot.credit_id].extend(ledger.as_rules([lot]))
    answer = {}
    for credit_id, its in lots.items():
        live = rules.spend_order([lot for lot in its if rules.live(lot, now)])
        answer[credit_id] = Spendable(
            amount=sum(lot.remaining for lot in live),
            expires_at=next((lot.expires_at for lot in live if lot.expires_at is not None), None),
        )
    return answer


async def hold(
    brand_id: uuid.UUID,
    credit_id: uuid.UUID,
    amount: int,
    *,
    key: str,
    reason: str,
    actor: str,
    now: datetime,
    up_to: bool = False,
    new_key: bool = False,
) -> Movement:
    """Set ``amount`` aside for a checkout, soonest-expiring lots first; 409 credit_insufficient if too little.

    With ``up_to``, hold as much of ``amount`` as the credit has when its lock is taken (perhaps
    nothing: no entry then), as checkout does: the card pays whatever the credit no longer covers.
    ``new_key``: the caller's transaction made ``key`` from an id it drew itself (:func:`_at_once`).
    """
    _check_amount(amount, "body.amount")
    quick = await _at_once(
        lambda: ledger.hold_at_once(brand_id, credit_id, amount, key=key, reason=reason, actor=actor, now=now),
        new_key=new_key,
    )
    if quick is not None:
        return quick

    async def body(writer: ledger.Writer, lots: list[CreditLot]) -> None:
        wanted = min(amount, rules.spendable(ledger.as_rules(lots), now)) if up_to else amount
        if wanted == 0:
            return
        try:
            writer.spend(lots, wanted, now, hold=True)
        except rules.Shortfall as exc:
            raise _insufficient(exc, writer.credit.currency) from None

    totals = None if up_to else (-amount, amount)
    return await _operate(brand_id, credit_id, "hold", key, body, reason=reason, actor=actor, totals=totals)


async def _hold_entries(brand_id: uuid.UUID, hold_key: str) -> list[CreditEntry]:
    entries = [e for e in await ledger.replayed(brand_id, hold_key) if e.kind == "hold"]
    if not entries:
        raise NotFound(f"no credit hold with key {hold_key!r}", errors=[FieldError("hold_key", "no such hold")])
    return entries


async def _at_once(write: Callable[[], Awaitable[ledger.AtOnce | None]], *, new_key: bool = False) -> Movement | None:
    """An operation as one statement where the database allows (:func:`ledger.hold_at_once`); None: take the
    general path, which also answers a replay or a refusal (the statement wrote nothing then).

    Inside a caller's transaction it runs under a savepoint, so a refused statement leaves that
    transaction usable; outside one it runs alone, and the credit's lock lasts only while it runs.
    With ``new_key`` no savepoint is taken: the caller's transaction drew the key's id itself (a
    hold for the order it is writing, or the settling of a hold it wrote), so no other operation
    can hold the key or settle the hold, and the two round trips would guard against nothing.
    The statement then runs under that transaction's locks, which it holds until it commits.
    """
    if not ledger.at_once_here():
        return None
    try:
        if isinstance(get_connection("default"), TransactionalDBClient) and not new_key:
            async with in_transaction():
                done = await write()
        else:
            done = await write()
    except IntegrityError:  # a twin under the same key, or another settle of the hold, was written first
        return None
    if done is None:
        return None
    entry = done.entry
    credit = Credit(id=entry.credit_id, brand_id=entry.brand_id, currency=done.currency)
    return views.movement(credit, cast("rules.EntryKind", entry.kind), [entry], replayed=False)


async def _settle(
    brand_id: uuid.UUID,
    hold_key: str,
    kind: rules.EntryKind,
    key: str | None,
    *,
    reason: str,
    actor: str,
    new_key: bool = False,
) -> Movement:
    op_key = key or f"{kind}:{hold_key}"
    quick = await _at_once(
        lambda: ledger.settle_at_once(brand_id, hold_key, kind, key=op_key, reason=reason, actor=actor),
        new_key=new_key and key is None,
    )
    if quick is not None:
        return quick
    held: list[CreditEntry] = []

    async def hold_of() -> tuple[uuid.UUID, Totals]:
        held[:] = await _hold_entries(brand_id, hold_key)
        total = sum(e.held_minor for e in held)
        return held[0].credit_id, (total if kind == "release" else 0, -total)

    async def body(writer: ledger.Writer, lots: list[CreditLot]) -> None:
        if await ledger.settled(brand_id, hold_key):
            raise Conflict(
                "this credit hold was released or redeemed already",
                errors=[FieldError("hold_key", "already settled")],
            )
        by_id = {lot.id: lot for lot in lots}
        for entry in held:
            amount = entry.held_minor if kind == "release" else 0
            writer.move(by_id[entry.lot_id], amount, -entry.held_minor, hold_key=hold_key)

    return await _operate(brand_id, hold_of, kind, op_key, body, reason=reason, actor=actor, settles=hold_key)


async def release(brand_id: uuid.UUID, hold_key: str, *, reason: str, actor: str, key: str | None = None) -> Movement:
    """Give a hold back to the lots it came from (the checkout expired or was cancelled)."""
    return await _settle(brand_id, hold_key, "release", key, reason=reason, actor=actor)


async def redeem(
    brand_id: uuid.UUID, hold_key: str, *, reason: str, actor: str, key: str | None = None, new_key: bool = False
) -> Movement:
    """Commit a hold: the payment went through and the held credit is spent.

    ``new_key``: the caller's transaction wrote the hold itself (:func:`_at_once`).
    """
    return await _settle(brand_id, hold_key, "redeem", key, reason=reason, actor=actor, new_key=new_key)


async def refund(
    brand_id: uuid.UUID,
    credit_id: uuid.UUID,
    amount: int,
    *,
    key: str,
    reason: str,
    actor: str,
    expires_at: datetime | None = None,
) -> Movement:
    """Put back credit that paid for something returned, as a new lot; never more than was redeemed and not refunded."""
    _check_amount(amount, "body.amount")

    async def body(writer: ledger.Writer, _: list[CreditLot]) -> None:
        rows = await CreditEntry.filter(credit_id=credit_id, kind__in=["redeem", "refund"]).values_list(
            "kind", "amount_minor", "held_minor"
        )
        redeemed = -sum(held for kind, _, held in rows if kind == "redeem")
        refunded = sum(amount_ for kind, amount_, _ in rows if kind == "refund")
        if amount > redeemed - refunded:
            raise_field_errors(
                [FieldError("body.amount", f"only {redeemed - refunded} minor units were redeemed and not refunded")]
            )
        writer.new_lot(amount, expires_at)

    return await _operate(brand_id, credit_id, "refund", key, body, reason=reason, actor=actor, totals=(amount, 0))


async def adjust(
    brand_id: uuid.UUID,
    credit_id: uuid.UUID,
    delta: int,
    *,
    key: str,
    reason: str,
    actor: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> Movement:
    """A staff correction with a reason: adds a lot, or removes up to what can be spent now (soonest-expiring first)."""
    errors = [] if reason.strip() else [FieldError("body.reason", "say why the credit is adjusted")]
    if delta == 0:
        errors.append(FieldError("body.amount", "an adjustment must change the balance"))
    elif abs(delta) > rules.MAX_CREDIT_MINOR:
        errors.append(FieldError("body.amount", f"must be within {rules.MAX_CREDIT_MINOR} minor units"))
    raise_field_errors(errors)

    async def body(writer: ledger.Writer, lots: list[CreditLot]) -> None:
        if delta > 0:
            writer.new_lot(delta, expires_at)
            return
        try:
            writer.spend(lots, -delta, now, hold=False)
        except rules.Shortfall as exc:
            raise _insufficient(exc, writer.credit.currency) from None

    return await _operate(brand_id, credit_id, "adjust", key, body, reason=reason, actor=actor, totals=(delta, 0))


async def expire_credit(
    brand_id: uuid.UUID, credit_id: uuid.UUID, now: datetime, *, actor: str = "system:expiry"
) -> Movement | None:
    """Empty the credit's lots whose expiry has passed; None when none had anything left."""
    async with in_transaction():
        credit = await ledger.locked_credit(brand_id, credit_id)
        if credit is None:
            return None
        lots = await ledger.lots_of(credit_id)
        due = [lot for lot in lots if lot.remaining_minor > 0 and not rules.live(ledger.as_rules([lot])[0], now)]
        if not due:
            return None
        # Keyed by the credit and how many expiries it has had: a pass replayed after a crash (its
        # transaction rolled back) writes under the same key, and a lot refilled later by a released
        # hold is expired again under a new one.
        done = await CreditEntry.filter(credit_id=credit_id, kind="expire", seq=0).count()
        writer = ledger.Writer(credit, "expire", f"expire:{credit_id}:{done}", reason="expired", actor=actor)
        for lot in due:
            writer.move(lot, -lot.remaining_minor)
        entries = await writer.finish(lots)
    return views.movement(credit, "expire", entries, replayed=False)


async def expire_due(now: datetime, *, batch: int = EXPIRY_BATCH) -> int:
    """Expire every lot past its expiry that still holds credit, credit by credit; return how many lots.

    For the housekeeping job and ``stallkit credits expire``: each credit is its own short
    transaction, so a large backlog never holds a lock for long, and a credit that fails (logged)
    keeps no other from expiring; it is tried again next pass.
    """
    expired = 0
    failed: set[uuid.UUID] = set()
    while True:
        rows = await (
            CreditLot.filter(expires_at__lte=now, remaining_minor__gt=0)
            .exclude(credit_id__in=list(failed))
            .limit(batch)
            .values_list("credit_id", "credit__brand_id")
        )
        for credit_id, brand_id in dict.fromkeys(rows):
            try:
                movement = await expire_credit(brand_id, credit_id, now)
            except Exception:  # one bad credit must not keep every other from expiring
                log.exception("could not expire credit %s", credit_id)
                failed.add(credit_id)
                continue
            expired += len(movement.entries) if movement else 0
        if len(rows) < batch:
            return expired
