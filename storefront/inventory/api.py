"""HTTP for locations and stock: parse, call the service, return its schema."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from storefront.inventory import service
from storefront.inventory.rules import LocationKind
from storefront.inventory.schemas import (
    LocationIn,
    LocationOut,
    LocationPatch,
    MovementIn,
    MovementOut,
    StockLevelOut,
)
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import CursorQuery, HandleFilter, HandleParam, LimitQuery, SkuFilter
from storefront.tenancy import Reader, Writer


class LocationController(Controller):
    path = "/v1/locations"
    tags = ["inventory"]

    @get("/", summary="List locations", description="Cursor-paginated in creation order, filterable by kind.")
    async def list_locations(
        self,
        principal: Reader,
        kind: FromQuery[LocationKind | None] = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[LocationOut]:
        return await service.list_locations(principal.brand_id, kind=kind, cursor=cursor, limit=limit)

    @get("/{handle:str}", summary="Get a location")
    async def get_location(self, principal: Reader, handle: HandleParam) -> LocationOut:
        return await service.get_location(principal.brand_id, handle)

    @post("/", summary="Create a location")
    async def create_location(self, writer: Writer, data: JSONBody[LocationIn]) -> LocationOut:
        return await service.create_location(writer.brand_id, data)

    @patch("/{handle:str}", summary="Change a location; opening hours given replace the whole week")
    async def update_location(self, writer: Writer, handle: HandleParam, data: JSONBody[LocationPatch]) -> LocationOut:
        return await service.update_location(writer.brand_id, handle, data)

    @delete(
        "/{handle:str}",
        summary="Delete a location that holds no stock",
        description="409 conflict while any SKU there has units on hand or reserved.",
    )
    async def delete_location(self, writer: Writer, handle: HandleParam) -> None:
        await service.delete_location(writer.brand_id, handle)


class StockController(Controller):
    path = "/v1/stock"
    tags = ["inventory"]

    @get("/", summary="List stock levels", description="Cursor-paginated, filterable by SKU and location handle.")
    async def list_levels(
        self,
        principal: Reader,
        sku: SkuFilter = None,
        location: HandleFilter = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[StockLevelOut]:
        return await service.list_levels(principal.brand_id, sku=sku, location=location, cursor=cursor, limit=limit)

    @get(
        "/movements",
        summary="List stock movements",
        description="The ledger behind the levels, oldest first; filterable by SKU and location handle.",
    )
    async def list_movements(
        self,
        principal: Reader,
        sku: SkuFilter = None,
        location: HandleFilter = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[MovementOut]:
        return await service.list_movements(principal.brand_id, sku=sku, location=location, cursor=cursor, limit=limit)

    @post(
        "/movements",
        summary="Record a receipt, return or adjustment",
        description="Appends to the ledger and moves the level in one transaction; returns the new level. "
        "409 out_of_stock if on hand would fall below zero or below the reserved units.",
    )
    async def record_movement(self, writer: Writer, data: JSONBody[MovementIn]) -> StockLevelOut:
        return await service.record_movement(writer.brand_id, data)
