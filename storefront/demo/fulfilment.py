"""Seed the demo brand's fulfilment config (``data/fulfilment.toml``) through the fulfilment service.

It lives with the demo, not in the fulfilment package, so the domain holds no demo data. It names
the demo's locations, so :mod:`storefront.demo.seed` creates those first.
"""

from __future__ import annotations

import uuid

from storefront.demo import catalogue
from storefront.demo.shapes import FulfilmentFile
from storefront.fulfilment import CourierZone, Microfactory, PersonalisationOption, PickupPoint, service


async def seed_fulfilment(brand_id: uuid.UUID, config: FulfilmentFile = catalogue.FULFILMENT) -> int:
    """Create whatever of ``config`` is missing, through the service; return how many.

    Idempotent: pickup points and microfactories are matched by location, zones and options by
    handle, and anything present is left as it is (rates included), so a rerun never adds a rate.
    """
    created = 0
    for point in config.pickup_points:
        if not await PickupPoint.exists(brand_id=brand_id, location__handle=point.location):
            await service.create_pickup_point(brand_id, point)
            created += 1
    for zone in config.courier_zones:
        if not await CourierZone.exists(brand_id=brand_id, handle=zone.handle):
            await service.create_courier_zone(brand_id, zone)
            created += 1
    for factory in config.microfactories:
        if not await Microfactory.exists(brand_id=brand_id, location__handle=factory.location):
            await service.create_microfactory(brand_id, factory)
            created += 1
    for option in config.personalisation_options:
        if not await PersonalisationOption.exists(brand_id=brand_id, handle=option.handle):
            await service.create_personalisation_option(brand_id, option)
            created += 1
    return created
