"""Photos of a traded-in bag: recognised by their bytes, bounded in size and number, kept in media storage.

The type is read from the file's first bytes (its magic number), never trusted from the
request, and must agree with the declared Content-Type. The bytes are written to storage before
the row (under a key we make from the trade-in's and photo's ids); a photo refused once the
trade-in is locked (too many, or not the shopper's to add any more) has its file removed again.
The same bytes sent twice (a retry) are the same photo.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Literal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storefront.credits.models import TradeIn, TradeInPhoto
from storefront.credits.trade_in_schemas import PhotoOut
from storefront.credits.trade_in_views import photo_out
from storefront.errors import Conflict, FieldError, InvalidInput, NotFound, raise_field_errors
from storefront.ids import new_id
from storefront.storage import MediaNotFound, Storage

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
EXTENSIONS: dict[PhotoType, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTO_TYPES: tuple[PhotoType, ...] = tuple(EXTENSIONS)
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6


def sniff(data: bytes) -> PhotoType | None:
    """The image type the bytes begin like, if one we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# Bytes of no declared type, as generated clients send a file: the type is then read from the bytes alone.
GENERIC_TYPE = "application/octet-stream"


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def declared_type(content_type: str) -> PhotoType | None:
    """The photo type a Content-Type header names (parameters and case ignored), if one we take."""
    media = _media(content_type)
    return next((t for t in PHOTO_TYPES if t == media), None)


def takes(content_type: str) -> bool:
    """Whether a body sent with this Content-Type can be a photo: one of our image types, or untyped bytes."""
    return declared_type(content_type) is not None or _media(content_type) == GENERIC_TYPE


def _not_found() -> NotFound:
    return NotFound("no such trade-in", errors=[FieldError("path.trade_in_id", "no such trade-in")])


async def add_photo(
    brand_id: uuid.UUID,
    trade_in_id: uuid.UUID,
    data: bytes,
    content_type: str,
    *,
    storage: Storage,
    shopper: bool,
    now: datetime,
) -> PhotoOut:
    """Keep a photo of the bag: a shopper (publishable key) only while the trade-in is quoted."""
    found = sniff(data)
    declared = found if _media(content_type) == GENERIC_TYPE else declared_type(content_type)
    if not data:
        raise_field_errors([FieldError("body", "send the photo's bytes as the body")])
    if len(data) > MAX_PHOTO_BYTES:
        raise_field_errors([FieldError("body", f"a photo may be at most {MAX_PHOTO_BYTES // (1024 * 1024)} MB")])
    if found is None or declared is None:
        raise InvalidInput(
            "not a JPEG, PNG or WebP image", errors=[FieldError("body", "not a JPEG, PNG or WebP image")]
        )
    if found != declared:
        message = f"the bytes are {found}, not {declared}"
        raise InvalidInput(message, errors=[FieldError("header.content-type", message)])
    if not await TradeIn.exists(brand_id=brand_id, id=trade_in_id):
        raise _not_found()
    digest = hashlib.sha256(data).hexdigest()
    photo_id = new_id()
    key = f"trade-ins/{trade_in_id}/{photo_id}.{EXTENSIONS[found]}"
    await storage.put(key, data, found)
    kept = False
    try:
        async with in_transaction():
            row = await TradeIn.filter(brand_id=brand_id, id=trade_in_id).select_for_update().first()
            if row is None:
                raise _not_found()
            if shopper and row.status != "quoted":
                raise Conflict(
                    f"a trade-in that is {row.status} takes photos from staff only",
                    errors=[FieldError("status", f"is {row.status}")],
                    extensions={"trade_in_status": row.status},
                )
            same = await TradeInPhoto.get_or_none(trade_in_id=trade_in_id, sha256=digest)
            if same is not None:
                return photo_out(same)
            if await TradeInPhoto.filter(trade_in_id=trade_in_id).count() >= MAX_PHOTOS:
                raise_field_errors([FieldError("body", f"a trade-in has at most {MAX_PHOTOS} photos")])
            photo = await TradeInPhoto.create(
                id=photo_id,
                trade_in_id=trade_in_id,
                storage_key=key,
                content_type=found,
                size_bytes=len(data),
                sha256=digest,
                created_at=now,
            )
            kept = True
    except IntegrityError:  # the same bytes raced in twice (SQLite takes no row lock): one photo
        same = await TradeInPhoto.get_or_none(trade_in_id=trade_in_id, sha256=digest)
        if same is None:
            raise
        return photo_out(same)
    finally:
        if not kept:
            await storage.delete(key)
    return photo_out(photo)


async def photo_bytes(
    brand_id: uuid.UUID, trade_in_id: uuid.UUID, photo_id: uuid.UUID, *, storage: Storage
) -> tuple[bytes, str]:
    """A photo's bytes and content type; another brand's trade-in, or a photo of another, is a 404."""
    photo = await TradeInPhoto.get_or_none(id=photo_id, trade_in_id=trade_in_id, trade_in__brand_id=brand_id)
    if photo is None:
        raise NotFound("no such photo", errors=[FieldError("path.photo_id", "no such photo")])
    try:
        return await storage.get(photo.storage_key), photo.content_type
    except MediaNotFound:
        raise NotFound("the photo is no longer kept", errors=[FieldError("path.photo_id", "no such photo")]) from None
