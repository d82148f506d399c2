"""Brands, keys and authentication."""

from __future__ import annotations

import uuid

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from storefront.cache import VersionedCache, cached
from storefront.clock import utcnow
from storefront.errors import DuplicateHandle, NotFound, raise_field_errors
from storefront.ids import slugify
from storefront.tenancy import keys, rules
from storefront.tenancy.models import ApiKey, Brand
from storefront.tenancy.principals import PrincipalResolver, invalidate_brand
from storefront.tenancy.schemas import BrandOut, BrandUpdate, CreatedBrand, NewBrand, Principal


def brand_out(brand: Brand) -> BrandOut:
    return BrandOut(
        id=brand.id,
        handle=brand.handle,
        name=brand.name,
        currency=brand.currency,
        locale=brand.locale,
        timezone=brand.timezone,
        theme=brand.theme,
        theme_tokens=dict(brand.theme_tokens),
        allowed_origins=list(brand.allowed_origins),
        product_url_template=brand.product_url_template,
        return_window_days=brand.return_window_days,
        free_returns=brand.free_returns,
    )


async def create_brand(new: NewBrand) -> CreatedBrand:
    """Create a brand with one publishable and one secret key, returned in clear this once."""
    raise_field_errors(
        rules.setting_errors(on=utcnow().date(), locale=new.locale, timezone=new.timezone, currency=new.currency)
    )
    handle = new.handle or slugify(new.name)
    try:
        async with in_transaction():
            brand = await Brand.create(
                handle=handle,
                name=new.name,
                currency=new.currency,
                locale=new.locale,
                timezone=new.timezone,
                allowed_origins=list(new.allowed_origins),
            )
            publishable, secret = await issue_keys(brand.id)
    except IntegrityError:
        raise DuplicateHandle(f"a brand with handle {handle!r} exists") from None
    return CreatedBrand(brand=brand_out(brand), publishable_key=publishable, secret_key=secret)


async def issue_keys(brand_id: uuid.UUID, label: str = "default") -> tuple[str, str]:
    """A new publishable and secret key for the brand; only their hashes are stored."""
    publishable, secret = keys.generate("publishable"), keys.generate("secret")
    for kind, text in (("publishable", publishable), ("secret", secret)):
        await ApiKey.create(
            brand_id=brand_id, kind=kind, key_hash=keys.hash_key(text), prefix=keys.display_prefix(text), label=label
        )
    return publishable, secret


async def get_brand(brand_id: uuid.UUID) -> Brand:
    brand = await Brand.get_or_none(id=brand_id)
    if brand is None:
        raise NotFound("brand not found")
    return brand


async def read_brand(
    brand_id: uuid.UUID, *, version: int | None = None, cache: VersionedCache[BrandOut] | None = None
) -> BrandOut:
    """The brand as its API shows it; cached per catalogue version (brand changes bump it too)."""

    async def load() -> BrandOut:
        return brand_out(await get_brand(brand_id))

    return await cached(cache, ("brand", brand_id), version, load)


async def get_brand_by_handle(handle: str) -> Brand | None:
    return await Brand.get_or_none(handle=handle)


async def update_brand(brand_id: uuid.UUID, update: BrandUpdate) -> BrandOut:
    changes = {k: v for k, v in msgspec.structs.asdict(update).items() if v is not None}
    raise_field_errors(
        rules.setting_errors(
            on=utcnow().date(),
            locale=update.locale,
            timezone=update.timezone,
            theme_tokens=update.theme_tokens,
            product_url_template=update.product_url_template,
        )
    )
    async with in_transaction():
        brand = await get_brand(brand_id)
        if changes:
            await Brand.filter(id=brand_id).update(**changes)
            await bump_catalog_version(brand_id)
            await brand.refresh_from_db()
    return brand_out(brand)


async def authenticate(raw_key: str) -> Principal | None:
    """The principal for a key's text, always read from the database (no cache)."""
    return await PrincipalResolver(ttl=0).resolve(raw_key)


async def brand_currency(brand_id: uuid.UUID) -> str:
    """The brand's ISO currency: every price it sets must be in it."""
    currency = await Brand.filter(id=brand_id).values_list("currency", flat=True)
    if not currency:
        raise NotFound("brand not found")
    return str(currency[0])


async def bump_catalog_version(brand_id: uuid.UUID) -> None:
    """Invalidate every cached catalogue read of the brand; call inside the writing transaction.

    The in-process principal caches are dropped now; on SQLite the open transaction holds the
    only connection, so no request of this process can re-read the old version before commit.
    """
    await Brand.filter(id=brand_id).update(catalog_version=F("catalog_version") + 1)
    invalidate_brand(brand_id)
