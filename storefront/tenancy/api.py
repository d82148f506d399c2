"""HTTP for the calling brand's own settings."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import JSONBody

from storefront.api.deps import Caches, Reader, Writer
from storefront.tenancy import service
from storefront.tenancy.schemas import BrandOut, BrandUpdate


class BrandController(Controller):
    path = "/v1/brand"
    tags = ["brand"]

    @get("/", summary="The brand the key belongs to")
    async def get_brand(self, principal: Reader, caches: Caches) -> BrandOut:
        return await service.read_brand(principal.brand_id, version=principal.catalog_version, cache=caches.misc)

    @patch("/", summary="Change the brand's name, locale, theme, theme tokens or allowed origins")
    async def update_brand(self, writer: Writer, data: JSONBody[BrandUpdate]) -> BrandOut:
        return await service.update_brand(writer.brand_id, data)
