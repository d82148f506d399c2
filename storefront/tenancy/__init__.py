"""Tenancy: brands (the tenants) and their API keys."""

from storefront.tenancy import keys_service, service
from storefront.tenancy.models import Brand
from storefront.tenancy.principals import (
    PRINCIPAL_STATE_KEY,
    SHOPPER,
    PrincipalResolver,
    Reader,
    Writer,
    admits_publishable,
    principal_from,
)
from storefront.tenancy.schemas import BrandOut, BrandUpdate, NewBrand, Principal
from storefront.tenancy.service import brand_currency, bump_catalog_version

__all__ = [
    "PRINCIPAL_STATE_KEY",
    "SHOPPER",
    "Brand",
    "BrandOut",
    "BrandUpdate",
    "NewBrand",
    "Principal",
    "PrincipalResolver",
    "Reader",
    "Writer",
    "admits_publishable",
    "brand_currency",
    "bump_catalog_version",
    "keys_service",
    "principal_from",
    "service",
]
