"""Product images fetched while the till is online, kept for the grid offline, and served as images only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from popup.till.images import MAX_BYTES, ImageFetcher
from popup.till.pages import IMAGE_POLICY
from tests.popup.till_fixtures import make_pack, open_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


class Images(BaseHTTPRequestHandler):
    """The brand's CDN: one PNG, one SVG, a page that is not an image, and a file too big to keep."""

    hits: list[str] = []

    def do_GET(self) -> None:
        Images.hits.append(self.path)
        sku = self.path.rsplit("/", 1)[-1].removesuffix(".jpg")
        kinds = {"MH-NOA-TAN": ("image/png", PNG), "MH-PIP-OXB": ("image/svg+xml", SVG)}
        kind, body = kinds.get(sku, ("text/html", b"<p>not an image</p>"))
        if sku == "MH-FEN-INK":
            kind, body = "image/jpeg", b"x" * (MAX_BYTES + 1)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cdn() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Images.hits = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_images_fetched_online_are_shown_offline_and_served_sandboxed(tmp_path: Path, cdn: str) -> None:
    pack = make_pack(image_base=cdn)
    with open_app(tmp_path / "till", pack) as opened:
        till = opened.unlocked()
        assert all(p["image"] is None for p in till.get("/products").json())  # nothing here yet: titles only
        fetcher = ImageFetcher(till.context, "http://storefront.invalid", clock=till.clock)
        assert fetcher.fill() == 2  # the PNG and the SVG; the page and the oversized file are not kept
        shown = {p["sku"]: p["image"] for p in till.get("/products").json()}
        assert shown["MH-NOA-TAN"].startswith("/images/") and shown["MH-NOA-TAN"].endswith(".png")
        assert shown["MH-PIP-OXB"].endswith(".svg") and shown["MH-FEN-INK"] is None
        served = till.client.get(shown["MH-PIP-OXB"])
        assert served.status_code == 200 and served.content == SVG
        assert served.headers["content-security-policy"] == IMAGE_POLICY  # the script in it never runs
        assert till.client.get("/images/../pack.json").status_code == 404

        before = len(Images.hits)
        assert fetcher.fill() == 0 and len(Images.hits) == before  # a failed URL waits before it is tried again
        till.clock.advance(timedelta(minutes=11))
        assert fetcher.fill() == 0 and len(Images.hits) == before + 1  # the oversized one, asked again
    with open_app(tmp_path / "till", pack) as reopened:  # kept on disk: a restart offline still shows them
        assert reopened.unlocked().get("/products").json()[0]["image"] == shown["MH-NOA-TAN"]


def test_a_storefront_path_is_fetched_from_the_storefront_and_other_schemes_never(tmp_path: Path, cdn: str) -> None:
    with open_app(tmp_path / "till", make_pack(image_base="/static/demo/images")) as opened:
        till = opened.unlocked()
        assert ImageFetcher(till.context, cdn, clock=till.clock).fill() == 2
        assert Images.hits[0] == "/static/demo/images/MH-NOA-TAN.jpg"
    with open_app(tmp_path / "other", make_pack(image_base="file:///etc")) as opened:
        till = opened.unlocked()
        assert ImageFetcher(till.context, cdn, clock=till.clock).fill() == 0
