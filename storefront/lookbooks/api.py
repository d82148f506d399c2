"""HTTP for lookbooks: parse, call the service, return its schema."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from storefront.cache import VersionedCache
from storefront.lookbooks import service
from storefront.lookbooks.schemas import LookbookIn, LookbookOut, LookbookPatch, LookbookSummary
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import CursorQuery, HandleParam, LimitQuery
from storefront.tenancy import SHOPPER, Reader, Writer

LookbookCache = NamedDependency[VersionedCache[LookbookOut]]
LookbookPageCache = NamedDependency[VersionedCache[Page[LookbookSummary]]]


class LookbookController(Controller):
    path = "/v1/lookbooks"
    tags = ["lookbooks"]

    @get("/", summary="List lookbooks", description="Cursor-paginated summaries in creation order.", opt=SHOPPER)
    async def list_lookbooks(
        self,
        principal: Reader,
        lookbook_page_cache: LookbookPageCache,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[LookbookSummary]:
        return await service.list_lookbooks(
            principal.brand_id, cursor=cursor, limit=limit, version=principal.catalog_version, cache=lookbook_page_cache
        )

    @get("/{handle:str}", summary="Get a lookbook with its looks and priced items", opt=SHOPPER)
    async def get_lookbook(self, principal: Reader, lookbook_cache: LookbookCache, handle: HandleParam) -> LookbookOut:
        return await service.get_lookbook(
            principal.brand_id, handle, version=principal.catalog_version, cache=lookbook_cache
        )

    @post("/", summary="Create a lookbook with its looks")
    async def create_lookbook(self, writer: Writer, data: JSONBody[LookbookIn]) -> LookbookOut:
        return await service.create_lookbook(writer.brand_id, data)

    @patch("/{handle:str}", summary="Change a lookbook; looks given replace all current looks")
    async def update_lookbook(self, writer: Writer, handle: HandleParam, data: JSONBody[LookbookPatch]) -> LookbookOut:
        return await service.update_lookbook(writer.brand_id, handle, data)

    @delete("/{handle:str}", summary="Delete a lookbook")
    async def delete_lookbook(self, writer: Writer, handle: HandleParam) -> None:
        await service.delete_lookbook(writer.brand_id, handle)
