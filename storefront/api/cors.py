"""CORS for embedded components, as ASGI middleware outside :class:`AuthMiddleware`.

Only ``/v1`` requests that carry an ``Origin`` are touched, and an origin is only ever echoed
back when it is in the brand's ``allowed_origins`` (never ``*``: the answer depends on the key).

- A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) carries no credentials, so the
  brand comes from the publishable key in the URL's ``key`` parameter (component and htmx URLs
  always carry it; a page calling the cart API with ``fetch`` adds it too, and may send the key
  as ``Authorization`` as well). Allowed: 204 with the methods the path's shopper routes take
  (``opt=SHOPPER``: say ``PATCH, DELETE`` on a cart line) and the request headers a browser sends
  them (``Authorization``, ``Content-Type``, ``Idempotency-Key``, htmx's ``HX-*``); otherwise a
  403 problem. A path no publishable key may call gets no preflight at all.
- Any other request passes through; once the auth middleware has resolved the caller, the
  response gets ``Access-Control-Allow-Origin`` if the origin is allowed for that brand.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Message, Receive, Scope, Send

from storefront.api.asgi import header, query_publishable_key, send_problem
from storefront.api.ratelimit import refuse_bad_key, refuse_key_guessing
from storefront.tenancy import PRINCIPAL_STATE_KEY, Principal, PrincipalResolver, admits_publishable

ALLOW_HEADERS = ", ".join(
    [
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "HX-Request",
        "HX-Current-URL",
        "HX-Target",
        "HX-Trigger",
        "HX-Trigger-Name",
        "HX-Boosted",
        "HX-Prompt",
        "HX-History-Restore-Request",
    ]
)
# ETag for revalidation, and every response header htmx reads (Chrome logs each one it may not read).
EXPOSE_HEADERS = ", ".join(
    [
        "ETag",
        "Retry-After",
        "Idempotent-Replayed",
        "HX-Trigger",
        "HX-Trigger-After-Settle",
        "HX-Trigger-After-Swap",
        "HX-Location",
        "HX-Push",
        "HX-Push-Url",
        "HX-Redirect",
        "HX-Refresh",
        "HX-Replace-Url",
        "HX-Reselect",
        "HX-Reswap",
        "HX-Retarget",
    ]
)
MAX_AGE = "600"


def shopper_methods(app: Any, path_template: str) -> tuple[str, ...]:
    """The methods of the routes at this path that admit a publishable key (what a browser may call)."""
    methods: set[str] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == path_template:
            for handler in route.route_handlers:
                if admits_publishable(handler):
                    methods |= handler.http_methods
    return tuple(sorted(methods - {"OPTIONS"}))  # a controller's opt reaches Litestar's own OPTIONS handler too


def _allows(principal: Principal | None, origin: str) -> bool:
    return principal is not None and principal.kind == "publishable" and origin in principal.allowed_origins


async def _principal_for_query_key(scope: Scope) -> Principal | None:
    key = query_publishable_key(scope)
    if key is None:
        return None
    resolver: PrincipalResolver = scope["app"].state["principals"]
    return await resolver.resolve(key)


def _with_vary_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    varied = False
    for name, value in headers:
        if name.lower() == b"vary":
            fields = [f.strip().lower() for f in value.split(b",")]
            if b"origin" not in fields and b"*" not in fields:
                value = value + b", Origin"
            varied = True
        out.append((name, value))
    if not varied:
        out.append((b"vary", b"Origin"))
    return out


class CORSMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._methods: dict[str, bytes] = {}  # Litestar builds one instance per route: a path or two

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != ScopeType.HTTP
            or not path.startswith("/v1/")
            or (origin := header(scope, b"origin")) is None
        ):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method") is not None:
            await self._preflight(scope, send, origin, path)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                state: dict[str, Any] = scope.get("state") or {}
                principal = state.get(PRINCIPAL_STATE_KEY)
                if principal is None:  # a public path (auth didn't run), or a rejected request
                    principal = await _principal_for_query_key(scope)
                if _allows(principal, origin):
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if not k.lower().startswith(b"access-control-")  # ours, not a handler's '*'
                    ]
                    headers += [
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
                    ]
                    message = {**message, "headers": _with_vary_origin(headers)}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: Scope, send: Send, origin: str, path: str) -> None:
        has_key = query_publishable_key(scope) is not None
        if has_key and await refuse_key_guessing(scope, send):
            return
        principal = await _principal_for_query_key(scope)
        if has_key and principal is None and await refuse_bad_key(scope, send):
            return
        methods = self._shopper_methods(scope)
        if not methods:
            await send_problem(
                send,
                403,
                "permission_denied",
                "Permission denied",
                "No route at this path takes a publishable key, so browsers may not call it.",
                path,
                headers=[(b"vary", b"Origin")],
            )
            return
        if not _allows(principal, origin):
            await send_problem(
                send,
                403,
                "origin_not_allowed",
                "Origin not allowed",
                f"Origin {origin} is not in the allowed origins of the brand whose publishable key is in"
                " this URL's 'key' parameter.",
                path,
                headers=[(b"vary", b"Origin")],
            )
            return
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", methods),
            (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
            (b"access-control-max-age", MAX_AGE.encode()),
            (b"vary", b"Origin"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        # more_body is optional in ASGI (default False); litestar's TypedDict requires it
        await send(cast("HTTPResponseBodyEvent", {"type": "http.response.body", "body": b""}))

    def _shopper_methods(self, scope: Scope) -> bytes:
        template: str = scope.get("path_template", "")
        methods = self._methods.get(template)
        if methods is None:
            methods = self._methods[template] = ", ".join(shopper_methods(scope["app"], template)).encode()
        return methods
