"""HTTP for the calling brand's own settings."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from storefront.cache import VersionedCache
from storefront.tenancy import service
from storefront.tenancy.principals import Reader, Writer
from storefront.tenancy.schemas import BrandOut, BrandUpdate

BrandCache = NamedDependency[VersionedCache[BrandOut]]


class BrandController(Controller):
    path = "/v1/brand"
    tags = ["brand"]

    @get("/", summary="The brand the key belongs to")
    async def get_brand(self, principal: Reader, brand_cache: BrandCache) -> BrandOut:
        return await service.read_brand(principal.brand_id, version=principal.catalog_version, cache=brand_cache)

    @patch("/", summary="Change the brand's name, locale, theme, theme tokens or allowed origins")
    async def update_brand(self, writer: Writer, data: JSONBody[BrandUpdate]) -> BrandOut:
        return await service.update_brand(writer.brand_id, data)
