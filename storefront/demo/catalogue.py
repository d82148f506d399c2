"""The demo microbrand's data (Maison Hollis), decoded strictly from the TOML files in ``data/``.

The data lives in files so it can be read and edited as data; it is decoded here, once, into the
API's own input types (see :mod:`storefront.demo.shapes`), so a broken file fails on import with
the file and field named, before ``stallkit demo`` writes anything. Product images live beside
it in ``static/images`` and are served under ``/static/demo/images/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import msgspec

from storefront.catalog import ProductIn
from storefront.demo.shapes import DemoBrand, FulfilmentFile, LocationsFile, ProductsFile, StockFile, StockLine
from storefront.inventory import LocationIn
from storefront.lookbooks import LookbookIn

T = TypeVar("T")

DATA_DIR = Path(__file__).parent / "data"

# Every file in DATA_DIR and the type it decodes into; a file missing here is a test failure.
SHAPES: dict[str, Any] = {
    "brand.toml": DemoBrand,
    "locations.toml": LocationsFile,
    "products.toml": ProductsFile,
    "stock.toml": StockFile,
    "fulfilment.toml": FulfilmentFile,
    "lookbook.toml": LookbookIn,
}


def decode(text: bytes | str, shape: type[T], *, source: str) -> T:
    """``text`` as TOML, decoded strictly into ``shape``; an error keeps its type and names ``source``."""
    try:
        return msgspec.toml.decode(text, type=shape, strict=True)
    except msgspec.MsgspecError as exc:
        raise type(exc)(f"{source}: {exc}") from None


def load(name: str, shape: type[T]) -> T:
    return decode((DATA_DIR / name).read_bytes(), shape, source=f"demo data {name}")


BRAND: DemoBrand = load("brand.toml", DemoBrand)
LOCATIONS: tuple[LocationIn, ...] = load("locations.toml", LocationsFile).locations
PRODUCTS: tuple[ProductIn, ...] = load("products.toml", ProductsFile).products
STOCK: tuple[StockLine, ...] = load("stock.toml", StockFile).stock
FULFILMENT: FulfilmentFile = load("fulfilment.toml", FulfilmentFile)
LOOKBOOK: LookbookIn = load("lookbook.toml", LookbookIn)
