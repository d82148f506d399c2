"""Lookbooks: styled looks whose items link to products (shoppable hotspots)."""

from storefront.lookbooks import service
from storefront.lookbooks.models import Look, Lookbook, LookItem
from storefront.lookbooks.schemas import LookbookIn, LookbookOut, LookbookSummary

__all__ = [
    "Look",
    "LookItem",
    "Lookbook",
    "LookbookIn",
    "LookbookOut",
    "LookbookSummary",
    "service",
]
