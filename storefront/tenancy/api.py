"""HTTP for the calling brand's own settings and its API keys."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody

from storefront.cache import VersionedCache
from storefront.params import IdParam
from storefront.tenancy import keys_service, service
from storefront.tenancy.keys_schemas import IssuedKey, KeyOut, NewKey
from storefront.tenancy.principals import SHOPPER, Reader, Writer
from storefront.tenancy.schemas import BrandOut, BrandUpdate

BrandCache = NamedDependency[VersionedCache[BrandOut]]
# A key's text must never be kept by anyone on the way, nor by the idempotency store.
NO_STORE = CacheControlHeader(no_store=True)
KEYS_DESCRIPTION = (
    "Secret key only. The key's text is in this response and never again (only its SHA-256 is stored); "
    "the response is `Cache-Control: no-store`, so it is not kept for an `Idempotency-Key` replay either: "
    "a retried request makes another key (list the keys and revoke the one you did not get)."
)


class BrandController(Controller):
    path = "/v1/brand"
    tags = ["brand"]

    @get("/", summary="The brand the key belongs to", opt=SHOPPER)
    async def get_brand(self, principal: Reader, brand_cache: BrandCache) -> BrandOut:
        return await service.read_brand(principal.brand_id, version=principal.catalog_version, cache=brand_cache)

    @patch("/", summary="Change the brand's name, locale, theme, theme tokens or allowed origins")
    async def update_brand(self, writer: Writer, data: JSONBody[BrandUpdate]) -> BrandOut:
        return await service.update_brand(writer.brand_id, data)

    @get("/keys", summary="The brand's API keys, revoked ones too (prefixes and labels, never a key's text)")
    async def list_keys(self, writer: Writer) -> list[KeyOut]:
        return await keys_service.list_keys(writer.brand_id)

    @post(
        "/keys",
        summary="Issue another key beside the existing ones",
        description=KEYS_DESCRIPTION + " To replace a key without downtime: issue, deploy the new key, revoke the old.",
        cache_control=NO_STORE,
    )
    async def issue_key(self, writer: Writer, data: JSONBody[NewKey]) -> IssuedKey:
        return await keys_service.issue_key(writer.brand_id, data.kind, data.label)

    @post(
        "/keys/{key_id:uuid}/rotate",
        summary="Replace a key: a new one of the same kind and label, the old one revoked at once",
        description=KEYS_DESCRIPTION + " 409 if the key is revoked already.",
        cache_control=NO_STORE,
    )
    async def rotate_key(self, writer: Writer, key_id: IdParam) -> IssuedKey:
        return await keys_service.rotate_key(writer.brand_id, key_id)

    @post(
        "/keys/{key_id:uuid}/revoke",
        summary="Revoke a key at once",
        description=(
            "Secret key only. Every worker refuses the key from the next request on (within 1 s on SQLite). "
            "409 for the brand's last active secret key, even when it revokes itself: rotate it instead. "
            "Revoking a revoked key answers it unchanged."
        ),
        status_code=200,
    )
    async def revoke_key(self, writer: Writer, key_id: IdParam) -> KeyOut:
        return await keys_service.revoke_key(writer.brand_id, key_id)
