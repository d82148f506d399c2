"""Tenancy: brands (the tenants) and their API keys."""

from storefront.tenancy import service
from storefront.tenancy.models import Brand
from storefront.tenancy.principals import PRINCIPAL_STATE_KEY, PrincipalResolver, Reader, Writer, principal_from
from storefront.tenancy.schemas import BrandOut, NewBrand, Principal
from storefront.tenancy.service import brand_currency, bump_catalog_version

__all__ = [
    "PRINCIPAL_STATE_KEY",
    "Brand",
    "BrandOut",
    "NewBrand",
    "Principal",
    "PrincipalResolver",
    "Reader",
    "Writer",
    "brand_currency",
    "bump_catalog_version",
    "principal_from",
    "service",
]
