"""Product images fetched while the till is online, so its grid shows them with no network at all.

The pack names each product's images by URL (the storefront's own files, or the brand's CDN),
and the till never fetches while it sells. Whenever the background sync has just reached the
storefront, the images not yet on this machine are fetched into the :class:`ImageCache` under the
names it looks for: only http(s), only an image type, at most :data:`MAX_BYTES` each, a URL that
failed tried again only after :data:`RETRY`. The till serves them under a sandboxing
Content-Security-Policy (``pages.image``), so even an SVG with a script in it runs nothing.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.error import URLError
from urllib.parse import urljoin, urlsplit

from popup.till.context import TillContext
from storefront.clock import Clock

MAX_BYTES = 2 * 1024 * 1024
RETRY = timedelta(minutes=10)
TIMEOUT_S = 10.0
SUFFIX_OF_TYPE = {
    "image/webp": ".webp",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/avif": ".avif",
    "image/svg+xml": ".svg",
}

Fetch = Callable[[str], tuple[str, bytes] | None]  # url -> (content type, body), or None


def fetch(url: str) -> tuple[str, bytes] | None:
    """GET ``url``; its content type and body, or None for anything but a 200 of at most :data:`MAX_BYTES`."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 - scheme checked above
            body = response.read(MAX_BYTES + 1)
            kind = response.headers.get_content_type()
            status = response.status
    except (URLError, OSError, ValueError):
        return None
    if status != 200 or len(body) > MAX_BYTES:
        return None
    return kind, body


class ImageFetcher:
    """Fills the till's image cache from the pack's URLs; :meth:`fill` is safe to call after every sync."""

    def __init__(self, till: TillContext, storefront: str, *, clock: Clock, get: Fetch = fetch) -> None:
        self._till = till
        self._base = storefront.rstrip("/") + "/"
        self._clock = clock
        self._get = get
        self._failed: dict[str, datetime] = {}
        self._busy = threading.Lock()

    def missing(self) -> list[str]:
        """The pack's image URLs not on this machine, in the pack's order, each once."""
        urls = [image.url for product in self._till.products.values() for image in product.images if image.url]
        return [url for url in dict.fromkeys(urls) if self._till.images.file_for(url) is None]

    def fill(self) -> int:
        """Fetch what is missing (skipping URLs that failed within :data:`RETRY`); answer how many were kept."""
        if not self._busy.acquire(blocking=False):
            return 0  # a fill is already running
        try:
            now = self._clock()
            kept = 0
            for url in self.missing():
                failed = self._failed.get(url)
                if failed is not None and now - failed < RETRY:
                    continue
                if self._fetch_one(url):
                    kept += 1
                    self._failed.pop(url, None)
                else:
                    self._failed[url] = now
            return kept
        finally:
            self._busy.release()

    def _fetch_one(self, url: str) -> bool:
        got = self._get(urljoin(self._base, url))  # a storefront path ("/static/...") is the storefront's
        if got is None:
            return False
        kind, body = got
        suffix = SUFFIX_OF_TYPE.get(kind)
        if suffix is None:
            return False
        self._till.images.keep(url, body, suffix)
        return True
