"""HTTP for the catalogue: parse, call the service, return its schema."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter, SkipValidation

from storefront.catalog import service
from storefront.catalog.rules import SizeClass
from storefront.catalog.schemas import (
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductSummary,
    VariantIn,
    VariantPatch,
)
from storefront.catalog.stock import ProductReads, StockReader
from storefront.pagination import DEFAULT_LIMIT, Page
from storefront.params import CursorQuery, HandleParam, LimitQuery, SkuParam
from storefront.tenancy import SHOPPER, Reader, Writer

# Our own objects, so Litestar is told not to validate them (a Protocol cannot be isinstance-checked).
Reads = NamedDependency[SkipValidation[ProductReads]]
Stock = NamedDependency[SkipValidation[StockReader]]


class ProductController(Controller):
    path = "/v1/products"
    tags = ["catalogue"]

    @get(
        "/",
        summary="List products",
        description="Cursor-paginated, filterable by category, size class, material (substring) and in-stock.",
        opt=SHOPPER,
    )
    async def list_products(
        self,
        principal: Reader,
        product_reads: Reads,
        category: Annotated[str | None, QueryParameter(max_length=40)] = None,
        size_class: FromQuery[SizeClass | None] = None,
        material: Annotated[str | None, QueryParameter(max_length=80)] = None,
        in_stock: FromQuery[bool | None] = None,
        cursor: CursorQuery = None,
        limit: LimitQuery = DEFAULT_LIMIT,
    ) -> Page[ProductSummary]:
        filters = ProductFilters(category=category, size_class=size_class, material=material, in_stock=in_stock)
        return await service.list_products(
            principal.brand_id,
            filters,
            cursor=cursor,
            limit=limit,
            stock=product_reads.stock,
            version=principal.catalog_version,
            cache=product_reads.lists,
        )

    @get("/{handle:str}", summary="Get a product with variants, disclosures and stock", opt=SHOPPER)
    async def get_product(self, principal: Reader, product_reads: Reads, handle: HandleParam) -> ProductOut:
        return await service.get_product(
            principal.brand_id,
            handle,
            stock=product_reads.stock,
            version=principal.catalog_version,
            cache=product_reads.products,
        )

    @post("/", summary="Create a product with its variants and disclosures")
    async def create_product(self, writer: Writer, stock: Stock, data: JSONBody[ProductIn]) -> ProductOut:
        return await service.create_product(writer.brand_id, data, stock=stock)

    @patch("/{handle:str}", summary="Change a product; lists given replace the current ones")
    async def update_product(
        self, writer: Writer, stock: Stock, handle: HandleParam, data: JSONBody[ProductPatch]
    ) -> ProductOut:
        return await service.update_product(writer.brand_id, handle, data, stock=stock)

    @delete("/{handle:str}", summary="Delete a product")
    async def delete_product(self, writer: Writer, handle: HandleParam) -> None:
        await service.delete_product(writer.brand_id, handle)

    @post("/{handle:str}/variants", summary="Add a variant")
    async def add_variant(
        self, writer: Writer, stock: Stock, handle: HandleParam, data: JSONBody[VariantIn]
    ) -> ProductOut:
        return await service.add_variant(writer.brand_id, handle, data, stock=stock)

    @patch("/{handle:str}/variants/{sku:str}", summary="Change a variant")
    async def update_variant(
        self, writer: Writer, stock: Stock, handle: HandleParam, sku: SkuParam, data: JSONBody[VariantPatch]
    ) -> ProductOut:
        return await service.update_variant(writer.brand_id, handle, sku, data, stock=stock)

    @delete("/{handle:str}/variants/{sku:str}", summary="Delete a variant", status_code=200)
    async def delete_variant(self, writer: Writer, stock: Stock, handle: HandleParam, sku: SkuParam) -> ProductOut:
        return await service.delete_variant(writer.brand_id, handle, sku, stock=stock)
