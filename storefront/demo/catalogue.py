"""The demo microbrand's data (Maison Hollis), decoded strictly from the TOML files in ``data/``.

The data lives in files so it can be read and edited as data; it is decoded here, once, into the
API's own input types (see :mod:`storefront.demo.shapes`), so a broken file fails on import with
the file and field named, before ``stallkit demo`` writes anything. Product images live beside
it in ``static/images`` and are served under ``/static/demo/images/``.

Each colour of a bag has a picture of its own, so the gallery shows the colour the shopper picks:
``static/images/variants/<sku>.svg`` (lower case) where one was drawn, else the product's photo
when its alt text names that colour (it is the photo of that variant). They are attached here, as
the variants' ``images``, rather than repeated in ``products.toml``: the files are the data.
Each picture comes with the views drawn from it (:mod:`storefront.demo.views`: side, detail, worn),
so the gallery of every colour has four pictures to choose from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from storefront.catalog import Image, ProductIn, VariantIn
from storefront.demo import views
from storefront.demo.shapes import DemoBrand, FulfilmentFile, LocationsFile, ProductsFile, StockFile, StockLine
from storefront.inventory import LocationIn
from storefront.lookbooks import LookbookIn

T = TypeVar("T")

DATA_DIR = Path(__file__).parent / "data"
VARIANT_IMAGES_DIR = Path(__file__).parent / "static" / "images" / "variants"
VARIANT_IMAGES_URL = "/static/demo/images/variants/"

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


def with_views(front: Image) -> list[Image]:
    """A demo drawing and the views drawn from it; a picture from anywhere else stands alone."""
    if not front.url.startswith(views.IMAGES_URL) or front.url.startswith(views.VIEWS_URL):
        return [front]
    return [front, *(Image(url=views.view_url(front.url, v), alt=views.view_alt(front.alt, v)) for v in views.VIEWS)]


def variant_images(product: ProductIn, variant: VariantIn, drawn: frozenset[str]) -> list[Image]:
    """The pictures of ``variant``: its own drawing (``drawn``: their file names), or the product's of its colour."""
    if variant.images:
        return list(variant.images)
    name = f"{variant.sku.lower()}.svg"
    if name in drawn:
        return with_views(Image(url=VARIANT_IMAGES_URL + name, alt=f"{product.title} in {variant.title.lower()}"))
    colour = variant.options.get("colour")
    pattern = re.compile(rf"\bin {re.escape(colour)}\b", re.IGNORECASE) if colour else None
    return [view for i in product.images[:1] if pattern and pattern.search(i.alt) for view in with_views(i)]


def with_variant_images(products: tuple[ProductIn, ...], drawn: frozenset[str]) -> tuple[ProductIn, ...]:
    return tuple(
        msgspec.structs.replace(
            product,
            images=[view for i in product.images for view in with_views(i)],
            variants=[msgspec.structs.replace(v, images=variant_images(product, v, drawn)) for v in product.variants],
        )
        for product in products
    )


def fronts() -> Iterator[tuple[str, str, float]]:
    """Each demo drawing of a front, once, with its alt text and its product's depth (width over length)."""
    seen: set[str] = set()
    for product in PRODUCTS:
        depth = product.dimensions.width_mm / product.dimensions.length_mm
        for image in [*product.images, *(i for v in product.variants for i in v.images)]:
            if image.url not in seen and with_views(image) != [image]:
                seen.add(image.url)
                yield image.url, image.alt, depth


BRAND: DemoBrand = load("brand.toml", DemoBrand)
LOCATIONS: tuple[LocationIn, ...] = load("locations.toml", LocationsFile).locations
PRODUCTS: tuple[ProductIn, ...] = with_variant_images(
    load("products.toml", ProductsFile).products, frozenset(p.name for p in VARIANT_IMAGES_DIR.glob("*.svg"))
)
STOCK: tuple[StockLine, ...] = load("stock.toml", StockFile).stock
FULFILMENT: FulfilmentFile = load("fulfilment.toml", FulfilmentFile)
LOOKBOOK: LookbookIn = load("lookbook.toml", LookbookIn)
