"""Path and query parameter types every controller shares, so a handle or SKU is checked the same everywhere."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from storefront.ids import HANDLE_PATTERN, SKU_PATTERN
from storefront.settings import Settings

HandleParam = Annotated[str, PathParameter(pattern=HANDLE_PATTERN, max_length=80)]
SkuParam = Annotated[str, PathParameter(pattern=SKU_PATTERN, max_length=64)]
HandleFilter = Annotated[str | None, QueryParameter(pattern=HANDLE_PATTERN, max_length=80)]
SkuFilter = Annotated[str | None, QueryParameter(pattern=SKU_PATTERN, max_length=64)]
CursorQuery = Annotated[str | None, QueryParameter(max_length=64)]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=100)]
IdParam = Annotated[uuid.UUID, PathParameter()]

# The app's settings, injected by name (``settings``) where a handler needs them.
AppSettings = NamedDependency[Settings]
