"""Mounts the components on a storefront app: their API, the embed loader, htmx and theme CSS.

``/static/components/`` serves the vendored htmx and the scripts the embed loader fetches only
when a fragment needs them (``lazy/``: the Stripe card payment step).

Scripts are what a host page pays for (5 KB gzipped before the shopper's first interaction, 20 KB
in all), so each is prepared once, at start-up: our own scripts are minified (rjsmin: comments and
whitespace only, nothing renamed, so the served file is the source's own code), and every script
is kept compressed twice: with Brotli at its best setting (what every current browser asks for:
htmx is 14 % smaller than gzipped), and gzipped with zopfli (a few percent smaller than
``gzip -9``) for clients that take gzip only. The source files stay readable; nothing built is
committed, so the served bytes can never be stale.

``storefront.asgi`` (the composition root) adds this plugin; the storefront itself never
imports components.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Annotated, Any

import brotli  # type: ignore[import-untyped]
import msgspec
import rjsmin  # type: ignore[import-untyped]
import zopfli.gzip  # type: ignore[import-untyped]
from litestar import Request, Response, get
from litestar.config.app import AppConfig
from litestar.params import PathParameter
from litestar.plugins import InitPluginProtocol

from components.api import ComponentController
from components.caches import ComponentCaches
from components.rendering import Renderer
from components.theming import available_themes, compile_css, load_theme, pack_theme
from storefront.errors import NotFound
from storefront.events.packs import THEMES_STATE_KEY

STATIC_DIR = Path(__file__).parent / "static"
HTMX_FILE = "htmx-2.0.11.min.js"
ASSET_CACHE = "public, max-age=300, stale-while-revalidate=86400"
ASSET_DIRS = (STATIC_DIR / "vendor", STATIC_DIR / "lazy")  # served under /static/components/
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    """A static file as served: its bytes, the same compressed, and an ETag for each representation."""

    body: bytes
    gzipped: bytes | None  # None: not worth compressing (licence texts)
    brotli: bytes | None
    media_type: str
    etag: str

    def encoded(self, accept_encoding: str) -> tuple[str | None, bytes]:
        """The coding to send (Brotli if taken, else gzip, else none) and the bytes in it."""
        if self.brotli is not None and accepts("br", accept_encoding):
            return "br", self.brotli
        if self.gzipped is not None and accepts("gzip", accept_encoding):
            return "gzip", self.gzipped
        return None, self.body


def minify_js(source: bytes) -> bytes:
    """Our own script without comments and spare whitespace; already-minified vendor files are left alone."""
    minified: str = rjsmin.jsmin(source.decode(), keep_bang_comments=False)
    return minified.strip().encode()


def prepare(body: bytes, media_type: str, *, compress: bool) -> Asset:
    return Asset(
        body=body,
        gzipped=zopfli.gzip.compress(body) if compress else None,
        brotli=brotli.compress(body, mode=brotli.MODE_TEXT, quality=11) if compress else None,
        media_type=media_type,
        etag=hashlib.sha256(body).hexdigest()[:32],
    )


@functools.cache
def embed_asset() -> Asset:
    """``/embed.js``, minified; built once per process (the file ships with the package and does not change)."""
    return prepare(minify_js((STATIC_DIR / "embed.js").read_bytes()), MEDIA_TYPES[".js"], compress=True)


@functools.cache
def static_assets() -> dict[str, Asset]:
    """Every file under ``/static/components/`` by name: vendor files as shipped, our lazy scripts minified."""
    assets: dict[str, Asset] = {}
    for directory in ASSET_DIRS:
        for path in sorted(directory.iterdir()):
            media_type = MEDIA_TYPES.get(path.suffix)
            if media_type is None or not path.is_file():
                continue
            body = path.read_bytes()
            script = path.suffix == ".js"
            if script and directory.name == "lazy":
                body = minify_js(body)
            assets[path.name] = prepare(body, media_type, compress=script)
    return assets


def accepts(coding: str, header: str) -> bool:
    """``Accept-Encoding`` names ``coding`` (or ``*``) without ``q=0``."""
    for part in header.lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() in (coding, "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            return True
    return False


def _asset_response(request: Request[Any, Any, Any], asset: Asset) -> Response[bytes]:
    """The asset in the best coding the client takes, else as is; each representation with its own strong ETag."""
    coding, body = asset.encoded(request.headers.get("accept-encoding", ""))
    etag = f'"{asset.etag}-{coding}"' if coding else f'"{asset.etag}"'
    headers = {"ETag": etag, "Cache-Control": ASSET_CACHE, "Access-Control-Allow-Origin": "*"}
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if coding:
        headers["Content-Encoding"] = coding
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers=headers, media_type=asset.media_type)
    return Response(content=body, headers=headers, media_type=asset.media_type)


@get("/embed.js", summary="The embed loader a brand's page includes", tags=["components"], media_type="text/javascript")
async def embed_js(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _asset_response(request, embed_asset())


@get("/static/components/{name:str}", include_in_schema=False)
async def component_asset(
    request: Request[Any, Any, Any], name: Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$")]
) -> Response[bytes]:
    asset = static_assets().get(name)
    if asset is None:
        raise NotFound(f"no component asset named {name!r}")
    return _asset_response(request, asset)


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
    css = compile_css(load_theme(theme_name), {}).encode()
    return _asset_response(request, prepare(css, "text/css; charset=utf-8", compress=False))


class ComponentsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                ComponentController,
                embed_js,
                theme_css,
                component_asset,
            ]
        )
        embed_asset()  # minified and compressed now, not on a shopper's first request
        static_assets()
        app_config.state["renderer"] = Renderer()
        app_config.state["component_caches"] = ComponentCaches()
        app_config.state[THEMES_STATE_KEY] = pack_theme  # event packs carry the brand's theme as tokens
        return app_config
