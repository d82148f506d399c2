"""The shopper's order page: a capability URL, and what it shows.

Shoppers have no accounts, so the link is the key: ``/v1/orders/{id}/status?token=...``. The
token is an HMAC of the order id under the app's secret, so a repeated checkout can show the
same link again; only its SHA-256 is stored (like the API keys), and a request is checked
against that hash in constant time, so rotating the secret keeps old links working and a
leaked database row opens no page. An app without a signing secret gives orders no page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections import defaultdict
from datetime import datetime

from storefront.catalog import Variant
from storefront.errors import FieldError, NotFound
from storefront.money import Money
from storefront.orders.models import Fulfilment, Order, OrderEvent, OrderLine
from storefront.orders.reading import address_of
from storefront.orders.schemas import (
    FulfilmentStatusOut,
    OrderStatusOut,
    PieceOut,
    ProvenanceStepOut,
    TrackingOut,
)


def status_token(secret: str, order_id: uuid.UUID) -> str:
    """The order page's token: 32 URL-safe characters (192 bits of an HMAC under ``secret``)."""
    digest = hmac.new(secret.encode(), b"order-status:" + order_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_hash(secret: str, order_id: uuid.UUID) -> str | None:
    """What a new order stores for its page, or None (no page) when the app has no secret."""
    return token_hash(status_token(secret, order_id)) if secret else None


def status_path(order_id: uuid.UUID, token: str) -> str:
    return f"/v1/orders/{order_id}/status?token={token}"


def link_token(secret: str, order: Order) -> str | None:
    """The token for ``order``'s page, if it can be shown: the stored hash must be of this very token."""
    if order.status_token_hash is None or not secret:
        return None
    token = status_token(secret, order.id)
    return token if hmac.compare_digest(token_hash(token), order.status_token_hash) else None


def _no_such_order() -> NotFound:
    return NotFound("no such order", errors=[FieldError("path.order_id", "no such order")])


async def find_by_token(brand_id: uuid.UUID, order_id: uuid.UUID, token: str | None) -> Order:
    """The order, if ``token`` opens it; the same 404 for a wrong token as for no order, so ids cannot be probed."""
    order = await Order.get_or_none(id=order_id, brand_id=brand_id)
    if order is None or order.status_token_hash is None or token is None:
        raise _no_such_order()
    if not hmac.compare_digest(token_hash(token), order.status_token_hash):
        raise _no_such_order()
    return order


async def order_status(order: Order, now: datetime) -> OrderStatusOut:
    """Each fulfilment against its promise, with its pieces' provenance and its own steps since checkout."""
    fulfilments = await Fulfilment.filter(order_id=order.id).order_by("id")
    lines = await OrderLine.filter(order_id=order.id).order_by("id")
    variants = {
        v.id: v
        for v in await Variant.filter(id__in={line.variant_id for line in lines}).prefetch_related(
            "product__provenance"
        )
    }
    events: dict[uuid.UUID | None, list[OrderEvent]] = defaultdict(list)
    for event in await OrderEvent.filter(order_id=order.id).order_by("created_at", "id"):
        if event.to_status != event.from_status:  # a declined card, a note: not a step the shopper sees
            events[event.fulfilment_id].append(event)
    pieces: dict[uuid.UUID, list[PieceOut]] = defaultdict(list)
    for line in lines:
        product = variants[line.variant_id].product
        steps = sorted(product.provenance, key=lambda s: s.position)
        pieces[line.fulfilment_id].append(
            PieceOut(
                title=line.title,
                quantity=line.quantity,
                provenance=[
                    ProvenanceStepOut(
                        stage=s.stage, place=s.place, country=s.country, maker=s.maker, occurred_on=s.occurred_on
                    )
                    for s in steps
                ],
            )
        )
    order_steps = [TrackingOut(status=e.to_status, at=e.created_at) for e in events[None]]
    return OrderStatusOut(
        id=order.id,
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        total=Money(amount=order.total_minor, currency=order.currency),
        fulfilments=[
            FulfilmentStatusOut(
                id=f.id,
                method=f.method,
                status=f.status,
                location=f.location,
                promised_earliest=f.promised_earliest,
                promised_latest=f.promised_latest,
                timezone=f.timezone,
                fulfilled_at=f.fulfilled_at,
                on_time=None if f.fulfilled_at is None else f.fulfilled_at <= f.promised_latest,
                late=f.fulfilled_at is None and f.status != "cancelled" and now > f.promised_latest,
                pickup_code=f.pickup_code,
                address=address_of(f),
                collector=f.collector or None,
                pieces=pieces[f.id],
                tracking=order_steps + [TrackingOut(status=e.to_status, at=e.created_at) for e in events[f.id]],
            )
            for f in fulfilments
        ],
    )
