"""The demo brand's fulfilment config: valid against the API's own types, and seeded idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from storefront.catalog import service as catalog
from storefront.demo import catalogue
from storefront.demo import fulfilment as demo
from storefront.fulfilment import quoting, service
from storefront.fulfilment.schemas import CourierZoneIn, MicrofactoryIn, PersonalisationOptionIn, PickupPointIn
from storefront.inventory import READER
from storefront.inventory import service as inventory
from storefront.inventory.schemas import MovementIn
from tests.conftest import MakeBrand

LONDON = ZoneInfo("Europe/London")


def test_the_demo_config_is_valid_input() -> None:
    config = catalogue.FULFILMENT
    for body_type, bodies in [
        (PickupPointIn, config.pickup_points),
        (CourierZoneIn, config.courier_zones),
        (MicrofactoryIn, config.microfactories),
        (PersonalisationOptionIn, config.personalisation_options),
    ]:
        for body in bodies:
            assert msgspec.json.decode(msgspec.json.encode(body), type=body_type) == body  # as an API body would
    handles = {loc.handle for loc in catalogue.LOCATIONS}
    named = [p.location for p in config.pickup_points] + [m.location for m in config.microfactories]
    named += [z.hub for z in config.courier_zones]
    assert set(named) <= handles


async def test_seeding_twice_creates_once(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand
    for location in catalogue.LOCATIONS:
        await inventory.create_location(brand.id, location)
    assert await demo.seed_fulfilment(brand.id) == 6
    assert await demo.seed_fulfilment(brand.id) == 0
    zones = await service.list_courier_zones(brand.id, cursor=None, limit=10)
    assert [z.handle for z in zones.data] == ["east-london-same-day", "london-next-day"]
    assert [len(z.rates) for z in zones.data] == [1, 1]
    options = await service.list_personalisation_options(brand.id, cursor=None, limit=10)
    assert [(o.handle, o.price.amount) for o in options.data] == [("monogram", 1500), ("thread-colour", 0)]

    product = await catalog.create_product(brand.id, catalogue.PRODUCTS[0], stock=READER)
    sku = product.variants[0].sku
    receipt = MovementIn(sku=sku, location="columbia-road", kind="receive", quantity=1)
    await inventory.record_movement(brand.id, receipt)

    # A Thursday at 13:00 in London, after the rates took effect: same day in E2, next day in SW1.
    day = datetime.now(LONDON).date() + timedelta(days=7)
    day += timedelta(days=(3 - day.weekday()) % 7)
    thursday = datetime.combine(day, time(13, 0), tzinfo=LONDON).astimezone(UTC)
    east = await quoting.quote(brand.id, sku, "courier", postcode="E2 7RG", now=thursday)
    assert (east.zone, east.rule, east.price.amount) == ("east-london-same-day", "courier.same_day_before_cutoff", 795)
    west = await quoting.quote(brand.id, sku, "courier", postcode="SW1A 1AA", now=thursday)
    assert (west.zone, west.rule, west.price.amount) == ("london-next-day", "courier.next_delivery_day", 495)
    pickup = await quoting.quote(brand.id, sku, "pickup", now=thursday)
    assert pickup.earliest == thursday + timedelta(minutes=45)
