"""Housekeeping: purge what nothing will read again, and release holds nobody will pay for.

One pass (:func:`run_once`) deletes idempotency records past their TTL, open carts left
untouched past theirs and raw analytics events past their retention (the hourly rollups stay),
empties store-credit lots past their expiry (``storefront.credits.expire_due``), gives back the
credit pop-up events held once their packs expired (``storefront.events.release_spent_holds``), and cancels
unpaid orders whose hold ran out and that have no payment intent (releasing their
stock and capacity). Orders *with* an intent are the reconciler's
(:func:`storefront.orders.reconcile`): their intent must be cancelled at Stripe first, which
needs payments configured. Without a Stripe key the reconciler never runs, so this pass is
what gives intent-less holds back. Every step works in bounded batches and is idempotent:
running passes in several workers at once, or from cron beside a server, is safe (only wasteful).

The server runs a pass every ``STALLKIT_HOUSEKEEPING_INTERVAL_S`` seconds (0 turns that off);
``stallkit housekeeping`` runs one from cron or on one designated machine.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import msgspec
from tortoise.expressions import Q

from storefront.analytics import service as analytics
from storefront.api.purge import purge_idempotency_records
from storefront.cart import purge_abandoned_carts
from storefront.clock import utcnow
from storefront.credits import expire_due
from storefront.events import release_spent_holds
from storefront.orders import Order, expire
from storefront.payments import PaymentGateway
from storefront.settings import Settings

HOLD_PAGE_SIZE = 100
log = logging.getLogger("stallkit.housekeeping")


class HousekeepingReport(msgspec.Struct, kw_only=True):
    idempotency_records_deleted: int = 0
    carts_deleted: int = 0
    holds_expired: int = 0
    analytics_events_deleted: int = 0
    credit_lots_expired: int = 0
    event_holds_released: int = 0
    failed: list[str] = msgspec.field(default_factory=list)  # the steps that raised (logged); retried next pass


async def expire_stale_holds(now: datetime, gateway: PaymentGateway) -> int:
    """Cancel pending orders without a payment intent whose hold expired at or before ``now``; return how many.

    With no intent, :func:`storefront.orders.expire` applies the ``expired`` signal without calling
    the gateway, so this is safe with payments off. Orders are read in pages in (hold expiry, id)
    order, resuming after the last one seen, so an order that cannot be expired (logged) never
    stops the rest; it is tried again next pass.
    """
    expired = 0
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        query = Order.filter(status="pending_payment", payment_intent=None, hold_expires_at__lte=now)
        if after is not None:
            at, last_id = after
            query = query.filter(Q(hold_expires_at__gt=at) | Q(hold_expires_at=at, id__gt=last_id))
        page = await query.order_by("hold_expires_at", "id").limit(HOLD_PAGE_SIZE)
        for order in page:
            try:
                await expire(order, gateway, now, source="housekeeping")
                expired += 1
            except Exception:  # one bad order must not keep every other hold from being released
                log.exception("could not expire order %s", order.id)
        if len(page) < HOLD_PAGE_SIZE:
            return expired
        after = (page[-1].hold_expires_at, page[-1].id)


async def run_once(settings: Settings, gateway: PaymentGateway, now: datetime | None = None) -> HousekeepingReport:
    """One pass of every step, in turn; a step that fails is logged, named in ``failed``, and the rest still run."""
    at = now or utcnow()
    report = HousekeepingReport()
    steps: list[tuple[str, Callable[[], Awaitable[int]]]] = [
        (
            "idempotency_records_deleted",
            lambda: purge_idempotency_records(at, timedelta(hours=settings.idempotency_ttl_hours)),
        ),
        ("carts_deleted", lambda: purge_abandoned_carts(at, timedelta(days=settings.cart_ttl_days))),
        ("holds_expired", lambda: expire_stale_holds(at, gateway)),
        (
            "analytics_events_deleted",
            lambda: analytics.prune_events(at, timedelta(days=settings.analytics_retention_days)),
        ),
        ("credit_lots_expired", lambda: expire_due(at)),
        ("event_holds_released", lambda: release_spent_holds(at)),
    ]
    for name, step in steps:
        try:
            setattr(report, name, await step())
        except Exception:  # the other steps still run; this one is retried next pass
            log.exception("housekeeping step %s failed", name)
            report.failed.append(name)
    return report


async def housekeeping_forever(settings: Settings, gateway: PaymentGateway) -> None:
    """A pass every ``housekeeping_interval_s`` seconds (the caller does not start this when it is 0).

    Every worker may run this; each pass is idempotent, so overlapping passes do no harm.
    """
    while True:
        await asyncio.sleep(settings.housekeeping_interval_s)
        try:
            report = await run_once(settings, gateway)
        except Exception:  # a failed pass is retried next interval; it must never kill the worker
            log.exception("housekeeping pass failed")
            continue
        log.info("housekeeping pass: %s", msgspec.json.encode(report).decode())


__all__ = ["HOLD_PAGE_SIZE", "HousekeepingReport", "expire_stale_holds", "housekeeping_forever", "run_once"]
