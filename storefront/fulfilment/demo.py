"""The demo brand's fulfilment (Maison Hollis): data, and ``seed_fulfilment`` to create it idempotently.

Data only above the line: the same bodies an admin would POST to ``/v1/fulfilment/...``. It
names the demo locations of :mod:`storefront.demo.catalogue` (``columbia-road``,
``hackney-workroom``, ``northampton-warehouse``), so seed those first.

The East London same-day zone delivers on the days the Columbia Road shop trades (Wednesday to
Sunday): the courier collects from the shop. The London next-day zone ships from Northampton,
Monday to Saturday, and has no same-day cutoff.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from storefront.fulfilment import service
from storefront.fulfilment.models import CourierZone, Microfactory, PersonalisationOption, PickupPoint
from storefront.fulfilment.schemas import CourierZoneIn, MicrofactoryIn, PersonalisationOptionIn, PickupPointIn

PICKUP_POINTS: list[dict[str, Any]] = [
    {"location": "columbia-road", "prep_minutes": 45},
]

COURIER_ZONES: list[dict[str, Any]] = [
    {
        "handle": "east-london-same-day",
        "name": "East London same day",
        "hub": "columbia-road",
        "postcode_prefixes": ["E1", "E2", "E3", "E8", "E9", "N1", "N16"],
        "same_day_cutoff": "14:00",
        "delivery_windows": [["18:00", "21:00"]],
        "delivery_days": ["wed", "thu", "fri", "sat", "sun"],
        "rate": {"amount": 795, "currency": "GBP"},
    },
    {
        "handle": "london-next-day",
        "name": "London next day",
        "hub": "northampton-warehouse",
        "postcode_prefixes": ["E", "EC", "N", "NW", "SE", "SW", "W", "WC"],
        "same_day_cutoff": None,
        "delivery_windows": [["09:00", "13:00"], ["13:00", "18:00"]],
        "delivery_days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "rate": {"amount": 495, "currency": "GBP"},
    },
]

MICROFACTORIES: list[dict[str, Any]] = [
    {
        "location": "hackney-workroom",
        "daily_capacity": 6,
        "lead_time_working_days": 5,
        "closed_weekdays": ["sat", "sun"],
        "deposit_bp": 3000,  # 30% at checkout, the balance when the piece ships
    },
]

PERSONALISATION_OPTIONS: list[dict[str, Any]] = [
    {
        "handle": "monogram",
        "kind": "monogram",
        "label": "Monogram (up to 3 letters)",
        "pattern": "^[A-Z]{1,3}$",
        "max_length": 3,
        "price": {"amount": 1_500, "currency": "GBP"},
    },
    {
        "handle": "thread-colour",
        "kind": "thread_colour",
        "label": "Thread colour",
        "allowed_values": ["gold", "silver", "oxblood"],
        "price": {"amount": 0, "currency": "GBP"},
    },
]


# ----------------------------------------------------------------------------------------------


async def seed_fulfilment(brand_id: uuid.UUID) -> int:
    """Create whatever of the demo fulfilment config is missing, through the service; return how many.

    Idempotent: pickup points and microfactories are matched by location, zones and options by
    handle, and anything present is left as it is (rates included).
    """
    created = 0
    for body in PICKUP_POINTS:
        if not await PickupPoint.exists(brand_id=brand_id, location__handle=body["location"]):
            await service.create_pickup_point(brand_id, msgspec.convert(body, PickupPointIn))
            created += 1
    for body in COURIER_ZONES:
        if not await CourierZone.exists(brand_id=brand_id, handle=body["handle"]):
            await service.create_courier_zone(brand_id, msgspec.convert(body, CourierZoneIn))
            created += 1
    for body in MICROFACTORIES:
        if not await Microfactory.exists(brand_id=brand_id, location__handle=body["location"]):
            await service.create_microfactory(brand_id, msgspec.convert(body, MicrofactoryIn))
            created += 1
    for body in PERSONALISATION_OPTIONS:
        if not await PersonalisationOption.exists(brand_id=brand_id, handle=body["handle"]):
            await service.create_personalisation_option(brand_id, msgspec.convert(body, PersonalisationOptionIn))
            created += 1
    return created
