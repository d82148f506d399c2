"""Inventory: locations and stock, kept as a ledger of movements with a cached level."""

from storefront.inventory import ledger, service
from storefront.inventory.models import Location, StockLevel
from storefront.inventory.rules import COURIER_KINDS, MAX_QUANTITY, PICKUP_KINDS, WEEKDAYS, Weekday
from storefront.inventory.schemas import LocationIn, MovementIn
from storefront.inventory.stock import READER, LowStock, low_stock

__all__ = [
    "COURIER_KINDS",
    "MAX_QUANTITY",
    "PICKUP_KINDS",
    "READER",
    "WEEKDAYS",
    "Location",
    "LocationIn",
    "LowStock",
    "MovementIn",
    "StockLevel",
    "Weekday",
    "ledger",
    "low_stock",
    "service",
]
