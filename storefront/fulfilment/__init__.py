"""Fulfilment: pickup points, courier zones, microfactories, and the promise each makes.

The configuration is data (``models``); what a customer is promised is computed by a pure
engine (``promise``) from rules the service loads, so every promise can be tested at any
instant, in any timezone, without a database.
"""

from storefront.fulfilment import capacity, promise, quoting, rules, service, sourcing
from storefront.fulfilment.models import CourierZone, Microfactory, PersonalisationOption, PickupPoint
from storefront.fulfilment.promise import Quote
from storefront.fulfilment.quoting import QuoteInputs
from storefront.fulfilment.schemas import CourierZoneIn, MicrofactoryIn, PersonalisationOptionIn, PickupPointIn

__all__ = [
    "CourierZone",
    "CourierZoneIn",
    "Microfactory",
    "MicrofactoryIn",
    "PersonalisationOption",
    "PersonalisationOptionIn",
    "PickupPoint",
    "PickupPointIn",
    "Quote",
    "QuoteInputs",
    "capacity",
    "promise",
    "quoting",
    "rules",
    "service",
    "sourcing",
]
