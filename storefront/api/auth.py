"""Bearer-key authentication, as ASGI middleware in front of every ``/v1`` route.

A key arrives as ``Authorization: Bearer <key>`` or, from embedded components, as
``?key=pk_...`` (read for GETs, and for writes on the routes a shopper's browser posts to). The
resolved :class:`Principal` is put in ``scope["state"]`` so handlers get it as a dependency.
Errors leave as problem details.

**What a publishable key may call** is decided by the route, not here: a route admits one only
when it is marked ``opt=SHOPPER`` (``storefront.tenancy.principals``), so anything unmarked,
including every route added later, is secret-only. The shopper's routes are the catalogue
and lookbooks, the components and their form actions, the delivery quote and the choices
behind it (pickup points, courier zones, personalisation options), the brand's public face,
carts and checkout (a cart's id is a random UUID known only to the browser that made it, so it
is the capability), and the analytics beacon (``navigator.sendBeacon`` can set no headers, so
the key comes as ``?key=``). Never ledgers, orders, stock, reports or keys.
``tests/api/test_publishable_routes.py`` walks every route against an explicit allow-list.

A stall device's token (``sk_dev_...``, ``storefront.events``) is resolved only on routes marked
``opt=DEVICE`` (the event pack), and kept apart from principals: anywhere else it is an unknown
key, and a revoked one is a 401 everywhere.

A publishable key from a browser (an ``Origin`` header) works only from the brand's allowed
origins, and from this API's own (its configured public URL): a shopper with no script whose
form needs correcting is shown it on a page of ours (``components.actions.plain``), and that
page's form posts from here. No other origin is let through. A client that keeps sending
malformed, unknown or revoked keys is rate limited
(``storefront.api.ratelimit``) before its next key is looked up.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from storefront.api.asgi import header, query_publishable_key, send_problem
from storefront.api.ratelimit import refuse_bad_key, refuse_key_guessing
from storefront.events import DEVICE_STATE_KEY, admits_device, devices, tokens
from storefront.tenancy import PRINCIPAL_STATE_KEY, PrincipalResolver, admits_publishable

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _origin_allowed(scope: HTTPScope, origin: str, allowed: tuple[str, ...]) -> bool:
    if origin in allowed:
        return True
    settings = scope["app"].state.get("settings")
    return settings is not None and origin == settings.public_origin


def _key_from(scope: HTTPScope) -> str | None:
    auth = header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""
    if scope["method"] in _SAFE_METHODS or admits_publishable(scope.get("route_handler")):
        return query_publishable_key(scope)
    return None


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
        if await refuse_key_guessing(scope, send):
            return
        if raw.startswith(tokens.PREFIX) and admits_device(scope.get("route_handler")):
            await self._as_device(scope, receive, send, raw, path)
            return
        resolver: PrincipalResolver = scope["app"].state["principals"]
        principal = await resolver.resolve(raw)
        if principal is None:
            await _refuse_unknown(scope, send, "The API key is malformed, unknown or revoked.", path)
            return
        if principal.kind == "publishable":
            if not admits_publishable(scope.get("route_handler")):
                await send_problem(
                    send,
                    403,
                    "permission_denied",
                    "Permission denied",
                    "This route needs a secret key: a publishable key reads the catalogue and components and "
                    "drives the shopper's own cart and checkout, nothing else.",
                    path,
                )
                return
            origin = header(scope, b"origin")
            if origin is not None and not _origin_allowed(scope, origin, principal.allowed_origins):
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

    async def _as_device(self, scope: Scope, receive: Receive, send: Send, raw: str, path: str) -> None:
        device = await devices.resolve(raw)
        if device is None:
            await _refuse_unknown(scope, send, "The device token is malformed, unknown or revoked.", path)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state[DEVICE_STATE_KEY] = device
        await self.app(scope, receive, send)


async def _refuse_unknown(scope: Scope, send: Send, detail: str, path: str) -> None:
    """A credential that resolves to no one: counted against the client's bad keys, then a 401 (or their 429)."""
    if await refuse_bad_key(scope, send):
        return
    await send_problem(send, 401, "unauthenticated", "Authentication required", detail, path)
