"""API shapes for brands and keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from storefront.ids import END, Handle, Line
from storefront.money import CurrencyCode
from storefront.tenancy.product_urls import DEFAULT_PRODUCT_URL_TEMPLATE, MAX_TEMPLATE_LENGTH
from storefront.tenancy.returns_policy import DEFAULT_RETURN_WINDOW_DAYS, MAX_RETURN_WINDOW_DAYS

Origin = Annotated[str, msgspec.Meta(pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?" + END, max_length=200)]
BrandName = Annotated[Line, msgspec.Meta(min_length=1, max_length=200)]
# The shape only: whether Babel, zoneinfo and the money code can use a value is the service's
# check (tenancy.rules), since a well-formed "je_UN" would otherwise break every page at render.
Locale = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?" + END, description="e.g. en_GB")]
Timezone = Annotated[Line, msgspec.Meta(min_length=1, max_length=64, description="IANA zone, e.g. Europe/London")]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: the brand a key belongs to and what the key may do."""

    brand_id: uuid.UUID
    kind: Literal["publishable", "secret"]
    catalog_version: int
    allowed_origins: tuple[str, ...]
    key_id: uuid.UUID | None = None  # the key that authenticated: per-key rate limits, "not your own last key"

    @property
    def can_write(self) -> bool:
        return self.kind == "secret"

    @property
    def actor(self) -> str:
        """Who a ledger entry or a trade-in step was written by, as they record it."""
        return f"key:{self.key_id}" if self.key_id else f"brand:{self.brand_id}"


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
    product_url_template: str = DEFAULT_PRODUCT_URL_TEMPLATE  # the brand site's product page (product_urls)
    return_window_days: int = DEFAULT_RETURN_WINDOW_DAYS  # days after delivery (returns_policy)
    free_returns: bool = False


class BrandUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: BrandName | None = None
    locale: Locale | None = None
    timezone: Timezone | None = None
    theme: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,64}" + END)] | None = None
    theme_tokens: (
        dict[
            Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]{1,40}" + END)],
            Annotated[str, msgspec.Meta(max_length=200)],
        ]
        | None
    ) = None
    allowed_origins: Annotated[list[Origin], msgspec.Meta(max_length=50)] | None = None
    product_url_template: (
        Annotated[
            Line, msgspec.Meta(min_length=1, max_length=MAX_TEMPLATE_LENGTH, description="e.g. /products/{handle}")
        ]
        | None
    ) = None
    return_window_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_RETURN_WINDOW_DAYS)] | None = None
    free_returns: bool | None = None


class CreatedBrand(msgspec.Struct, frozen=True, kw_only=True):
    """A new brand and its keys: the only time the keys' text exists outside the caller."""

    brand: BrandOut
    publishable_key: str
    secret_key: str


class NewBrand(msgspec.Struct, frozen=True, kw_only=True):
    name: BrandName
    handle: Handle | None = None
    currency: CurrencyCode = "GBP"
    locale: Locale = "en_GB"
    timezone: Timezone = "Europe/London"
    allowed_origins: list[Origin] = []
