"""Mounts the components on a storefront app: their API, the embed loader, htmx and theme CSS.

``/static/components/`` serves the vendored htmx and the scripts the embed loader fetches only
when a fragment needs them (``lazy/``: the Stripe card payment step).

``storefront.asgi`` (the composition root) adds this plugin; the storefront itself never
imports components.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.config.app import AppConfig
from litestar.params import PathParameter
from litestar.plugins import InitPluginProtocol
from litestar.static_files import create_static_files_router

from components.api import ComponentController
from components.caches import ComponentCaches
from components.rendering import Renderer
from components.theming import available_themes, compile_css, load_theme
from storefront.errors import NotFound

STATIC_DIR = Path(__file__).parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
ASSET_CACHE = "public, max-age=300, stale-while-revalidate=86400"


def _asset_response(request: Request[Any, Any, Any], body: bytes, media_type: str) -> Response[bytes]:
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": ASSET_CACHE, "Access-Control-Allow-Origin": "*"}
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers=headers, media_type=media_type)
    return Response(content=body, headers=headers, media_type=media_type)


@get("/embed.js", summary="The embed loader a brand's page includes", tags=["components"], media_type="text/javascript")
async def embed_js(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _asset_response(request, request.app.state.embed_js, "text/javascript; charset=utf-8")


@get(
    "/static/themes/{name:str}",
    summary="A theme's CSS (tokens as custom properties)",
    tags=["components"],
    media_type="text/css",
)
async def theme_css(
    request: Request[Any, Any, Any], name: Annotated[str, PathParameter(pattern=r"^[a-z0-9-]{1,64}\.css$")]
) -> Response[bytes]:
    theme_name = name.removesuffix(".css")
    if theme_name not in available_themes():
        raise NotFound(f"no theme named {theme_name!r}")
    return _asset_response(request, compile_css(load_theme(theme_name), {}).encode(), "text/css; charset=utf-8")


class ComponentsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                ComponentController,
                embed_js,
                theme_css,
                create_static_files_router(
                    path="/static/components",
                    directories=[STATIC_DIR / "vendor", STATIC_DIR / "lazy"],
                    include_in_schema=False,
                    cache_control=None,
                ),
            ]
        )
        app_config.state["renderer"] = Renderer()
        app_config.state["component_caches"] = ComponentCaches()
        app_config.state["embed_js"] = (STATIC_DIR / "embed.js").read_bytes()
        return app_config
