"""The demo's sample brand website: Maison Hollis's own site, on its own origin, embedding components.

``stallkit demo`` starts it on ``127.0.0.1:8001`` (``STALLKIT_DEMO_SITE_PORT``) in a daemon
thread beside the API: a plain ``ThreadingHTTPServer`` serving one page and its stylesheet. The
page is ``site/index.html`` with the API origin and the brand's publishable key filled in; its
``?variant=SKU`` (the variant picker's no-script links) is passed on to the product page.
"""

from __future__ import annotations

import html
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import parse_qs, urlsplit

SITE_DIR = Path(__file__).parent / "site"
DEFAULT_PORT = 8001
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


_LOOPBACK = {"127.0.0.1", "localhost", "0.0.0.0", "::", ""}  # noqa: S104 (listen addresses, compared)


def browser_host(host: str) -> str:
    """Where a browser on this machine reaches a server listening on ``host`` (any address: loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def site_origins(host: str, port: int) -> list[str]:
    """The origins a browser shows for the site served on ``host:port``: what the brand must allow.

    On loopback a newcomer may type either name, and each is an origin of its own. An IPv6
    address has none a brand can list (origins are ``http(s)://name-or-IPv4[:port]``).
    """
    if host in _LOOPBACK:
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    return [] if ":" in host else [f"http://{host}:{port}"]


def render_index(api_origin: str, publishable_key: str, site_origin: str, variant: str | None = None) -> bytes:
    variant_attr = f' data-variant="{html.escape(variant)}"' if variant and _SKU.match(variant) else ""
    page = Template((SITE_DIR / "index.html").read_text()).substitute(
        api_origin=html.escape(api_origin),
        key=html.escape(publishable_key),
        site_origin=html.escape(site_origin),
        variant_attr=variant_attr,
    )
    return page.encode()


def make_server(host: str, port: int, api_origin: str, publishable_key: str) -> ThreadingHTTPServer:
    """Bind (raising ``OSError`` if the port is taken) but don't serve yet."""
    site_origin = f"http://{browser_host(host)}:{port}"

    class Handler(BaseHTTPRequestHandler):
        server_version = "MaisonHollis/1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                variant = parse_qs(url.query).get("variant", [None])[0]
                page = render_index(api_origin, publishable_key, site_origin, variant)
                self._send(page, "text/html; charset=utf-8")
            elif url.path == "/site.css":
                self._send((SITE_DIR / "site.css").read_bytes(), "text/css; charset=utf-8")
            else:
                self._send(b"Not found\n", "text/plain; charset=utf-8", HTTPStatus.NOT_FOUND)

        def _send(self, body: bytes, media_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: uvicorn's log is enough
            pass

    return ThreadingHTTPServer((host, port), Handler)


def start_site(host: str, port: int, api_origin: str, publishable_key: str) -> ThreadingHTTPServer:
    """Serve the site from a daemon thread; it ends with the process (or ``server.shutdown()``)."""
    server = make_server(host, port, api_origin, publishable_key)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server
