"""What each demo data file may contain: the API's own input Structs, wrapped only where TOML needs a table.

The demo is seeded from exactly the bodies an API client would send, so a file decodes into the
same ``*In`` types the endpoints validate with. Only a stock line has no API body of its own (a
receipt movement is built from it), and only TOML's need for a top-level table adds the
``*File`` wrappers. Every Struct here refuses unknown fields, so a misspelt key fails loudly
instead of quietly seeding a default.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from storefront.catalog import ProductIn
from storefront.fulfilment import CourierZoneIn, MicrofactoryIn, PersonalisationOptionIn, PickupPointIn
from storefront.ids import Handle, Sku
from storefront.inventory import MAX_QUANTITY, LocationIn
from storefront.tenancy import NewBrand

OnHand = Annotated[int, msgspec.Meta(ge=0, le=MAX_QUANTITY)]


class DemoBrand(NewBrand, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A ``NewBrand`` that also refuses unknown fields (the tenancy type, built from CLI flags, ignores them)."""


class StockLine(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Units on hand of one SKU at one location when the demo opens; zero means none are received."""

    sku: Sku
    location: Handle
    quantity: OnHand


class LocationsFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    locations: tuple[LocationIn, ...]


class ProductsFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    products: tuple[ProductIn, ...]


class StockFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    stock: tuple[StockLine, ...]


class FulfilmentFile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every section is required, so a renamed table is an error rather than an empty config."""

    pickup_points: tuple[PickupPointIn, ...]
    courier_zones: tuple[CourierZoneIn, ...]
    microfactories: tuple[MicrofactoryIn, ...]
    personalisation_options: tuple[PersonalisationOptionIn, ...]
