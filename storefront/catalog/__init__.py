"""Catalogue: products, variants and what the product page discloses about them."""

from storefront.catalog import service
from storefront.catalog.models import Product, Variant
from storefront.catalog.schemas import (
    Country,
    Image,
    LocationStock,
    LongText,
    Name,
    PriceIn,
    ProductIn,
    ProductOut,
    ProductSummary,
    Text,
    Url,
    VariantIn,
    VariantStock,
)
from storefront.catalog.stock import ProductReads, StockReader

__all__ = [
    "Country",
    "Image",
    "LocationStock",
    "LongText",
    "Name",
    "PriceIn",
    "Product",
    "ProductIn",
    "ProductOut",
    "ProductReads",
    "ProductSummary",
    "StockReader",
    "Text",
    "Url",
    "Variant",
    "VariantIn",
    "VariantStock",
    "service",
]
