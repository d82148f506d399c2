"""Path and query parameter types every controller shares, so a handle or SKU is checked the same everywhere."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from storefront.errors import FieldError, InvalidInput
from storefront.ids import END, HANDLE_PATTERN, SKU_PATTERN
from storefront.settings import Settings

HandleParam = Annotated[str, PathParameter(pattern=HANDLE_PATTERN, max_length=80)]
SkuParam = Annotated[str, PathParameter(pattern=SKU_PATTERN, max_length=64)]
HandleFilter = Annotated[str | None, QueryParameter(pattern=HANDLE_PATTERN, max_length=80)]
SkuFilter = Annotated[str | None, QueryParameter(pattern=SKU_PATTERN, max_length=64)]
CursorQuery = Annotated[str | None, QueryParameter(max_length=64)]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=100)]
IdParam = Annotated[uuid.UUID, PathParameter()]

# An instant in a query, as text: typed ``datetime``, a query parameter would also take a bare number
# (msgspec reads it as seconds since 1970), which the document's ``date-time`` does not allow.
INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})" + END
InstantQuery = Annotated[
    str | None,
    QueryParameter(
        pattern=INSTANT_PATTERN,
        max_length=32,
        format="date-time",
        description="ISO 8601 with a UTC offset, e.g. 2026-11-23T10:00:00Z",
    ),
]


def instant(name: str, text: str | None) -> datetime | None:
    """The query parameter ``name``'s instant; a 422 naming it if the calendar has no such time (2026-02-30)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        message = "must be a real date and time, e.g. 2026-11-23T10:00:00Z"
        raise InvalidInput(f"query.{name}: {message}", errors=[FieldError(f"query.{name}", message)]) from None


# The app's settings, injected by name (``settings``) where a handler needs them.
AppSettings = NamedDependency[Settings]

# A route's ``opt`` key for a body limit of its own above the app's (a photo upload): the
# idempotency store, which reads keyed bodies before the handler, honours it.
BODY_LIMIT_OPT = "max_body_bytes"
