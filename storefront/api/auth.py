"""Bearer-key authentication, as ASGI middleware in front of every ``/v1`` route.

A key arrives as ``Authorization: Bearer <key>`` or, for GETs from embedded components only,
as ``?key=pk_...``. The resolved :class:`Principal` is put in ``scope["state"]`` so handlers
get it as a dependency. Publishable keys are read-only, and from a browser (an ``Origin``
header) only for the brand's allowed origins. Errors leave as problem details.

Two exceptions to "publishable keys are read-only", both things a shopper's browser must do:

- ``POST /v1/analytics/events`` (see :data:`_BEACON`) takes a publishable key, also as
  ``?key=pk_...``, because ``navigator.sendBeacon`` can set no headers and a beacon from a
  public page is the point.
- Carts and checkout (``/v1/carts...``) and the components' form actions
  (``POST /v1/components/...``) are the shopper's own writes, as in any headless storefront:
  a cart's id is a random UUID known only to the browser that made it, so it is the
  capability. Orders, refunds and everything else stay behind a secret key.

The allowed-origins check applies to these as to any pk request.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from storefront.api.asgi import header, query_publishable_key, send_problem
from storefront.tenancy import PRINCIPAL_STATE_KEY, PrincipalResolver

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The one write a publishable key may make: component analytics beacons (storefront.analytics).
_BEACON = ("POST", "/v1/analytics/events")
# Writes a shopper's browser makes with a publishable key (also as ?key=, for no-JS forms).
_SHOPPER_WRITE_PREFIXES = ("/v1/carts", "/v1/components/")


def _key_from(scope: HTTPScope) -> str | None:
    auth = header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""
    if scope["method"] in _SAFE_METHODS or _is_public_write(scope):
        return query_publishable_key(scope)
    return None


def _is_public_write(scope: HTTPScope) -> bool:
    """A write a publishable key may make: an analytics beacon, or the shopper's cart and checkout."""
    path: str = scope.get("path", "")
    return (scope["method"], path.rstrip("/")) == _BEACON or path.startswith(_SHOPPER_WRITE_PREFIXES)


class AuthMiddleware:
    """Resolve the caller's key for ``/v1`` paths; leave other paths (docs, static) alone."""

    def __init__(self, app: ASGIApp, public_prefixes: tuple[str, ...] = ("/v1/webhooks/",)) -> None:
        self.app = app
        self.public_prefixes = public_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != ScopeType.HTTP or not path.startswith("/v1") or path.startswith(self.public_prefixes):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # CORS preflight carries no credentials
            await self.app(scope, receive, send)
            return
        raw = _key_from(scope)
        if raw is None:
            await send_problem(
                send,
                401,
                "unauthenticated",
                "Authentication required",
                "Send an API key as 'Authorization: Bearer <key>'.",
                path,
            )
            return
        resolver: PrincipalResolver = scope["app"].state["principals"]
        principal = await resolver.resolve(raw)
        if principal is None:
            await send_problem(
                send,
                401,
                "unauthenticated",
                "Authentication required",
                "The API key is malformed, unknown or revoked.",
                path,
            )
            return
        if principal.kind == "publishable":
            if scope["method"] not in _SAFE_METHODS and not _is_public_write(scope):
                await send_problem(
                    send,
                    403,
                    "permission_denied",
                    "Permission denied",
                    "A publishable key may only read, and write carts; use a secret key to change data.",
                    path,
                )
                return
            origin = header(scope, b"origin")
            if origin is not None and origin not in principal.allowed_origins:
                await send_problem(
                    send,
                    403,
                    "origin_not_allowed",
                    "Origin not allowed",
                    f"Origin {origin} is not in this brand's allowed origins.",
                    path,
                )
                return
        state: dict[str, Any] = scope.setdefault("state", {})
        state[PRINCIPAL_STATE_KEY] = principal
        await self.app(scope, receive, send)
