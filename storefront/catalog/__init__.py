"""Catalogue: products, variants and what the product page discloses about them."""

from storefront.catalog import service
from storefront.catalog.models import Product, Variant
from storefront.catalog.rules import size_class
from storefront.catalog.schemas import (
    Condition,
    Country,
    Dimensions,
    Image,
    LocationStock,
    LongText,
    MaterialIn,
    Name,
    PriceIn,
    ProductIn,
    ProductOut,
    ProductSummary,
    ProvenanceIn,
    RepairabilityIn,
    Text,
    Url,
    VariantIn,
    VariantStock,
)
from storefront.catalog.stock import ProductReads, StockReader

__all__ = [
    "Condition",
    "Country",
    "Dimensions",
    "Image",
    "LocationStock",
    "LongText",
    "MaterialIn",
    "Name",
    "PriceIn",
    "Product",
    "ProductIn",
    "ProductOut",
    "ProductReads",
    "ProductSummary",
    "ProvenanceIn",
    "RepairabilityIn",
    "StockReader",
    "Text",
    "Url",
    "Variant",
    "VariantIn",
    "VariantStock",
    "service",
    "size_class",
]
