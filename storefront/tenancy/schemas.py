"""API shapes for brands and keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from storefront.ids import Handle
from storefront.money import CurrencyCode

Origin = Annotated[str, msgspec.Meta(pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", max_length=200)]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: the brand a key belongs to and what the key may do."""

    brand_id: uuid.UUID
    kind: Literal["publishable", "secret"]
    catalog_version: int
    allowed_origins: tuple[str, ...]

    @property
    def can_write(self) -> bool:
        return self.kind == "secret"


class BrandOut(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    handle: str
    name: str
    currency: str
    locale: str
    timezone: str
    theme: str
    theme_tokens: dict[str, str]
    allowed_origins: list[str]


class BrandUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    locale: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")] | None = None
    timezone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    theme: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,64}$")] | None = None
    theme_tokens: (
        dict[Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,40}$")], Annotated[str, msgspec.Meta(max_length=200)]]
        | None
    ) = None
    allowed_origins: Annotated[list[Origin], msgspec.Meta(max_length=50)] | None = None


class CreatedBrand(msgspec.Struct, frozen=True, kw_only=True):
    """A new brand and its keys: the only time the keys' text exists outside the caller."""

    brand: BrandOut
    publishable_key: str
    secret_key: str


class NewBrand(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    handle: Handle | None = None
    currency: CurrencyCode = "GBP"
    locale: str = "en_GB"
    timezone: str = "Europe/London"
    allowed_origins: list[Origin] = []
