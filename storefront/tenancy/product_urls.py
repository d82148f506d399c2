"""Where a brand's own site shows a product, so links in embedded components lead somewhere real.

A lookbook hotspot or a "pairs well with" suggestion is, without script, a plain link: it must
land on the brand's product page, not on a query string of whatever page it sits on. Brands
write the address once as a template with a ``{handle}`` placeholder. The default,
``/products/{handle}``, is the path most shop platforms use; a root-relative template resolves
against the brand's own site, where the fragments are embedded, so it needs no host name. An
absolute ``https://`` template serves a brand whose shop lives on another host.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

DEFAULT_PRODUCT_URL_TEMPLATE = "/products/{handle}"
PLACEHOLDER = "{handle}"
MAX_TEMPLATE_LENGTH = 200
_SAFE = re.compile(r"[A-Za-z0-9\-._~/:?&=%+#{}]+")


def product_url_problem(template: str) -> str | None:
    """Why ``template`` cannot address the brand's product pages, or None when it can."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        return f"at most {MAX_TEMPLATE_LENGTH} characters"
    rest = template.replace(PLACEHOLDER, "")
    if template.count(PLACEHOLDER) != 1 or "{" in rest or "}" in rest:
        return "must contain {handle} exactly once, and no other braces"
    if not _SAFE.fullmatch(template):
        return "must be a URL path or address without spaces or control characters"
    if template.startswith("//"):
        return "must be a path starting with / or an http(s) address"
    if template.startswith("/"):
        return None
    parts = urlsplit(template.replace(PLACEHOLDER, "x"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a path starting with / or an http(s) address"
    return None


def product_url(template: str, handle: str, variant: str | None = None) -> str:
    """The brand's page for ``handle`` (and ``variant``, as ``?variant=``, which the page's components read)."""
    url = template.replace(PLACEHOLDER, quote(handle, safe=""))
    if variant is None:
        return url
    base, hash_, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}variant={quote(variant, safe='')}{hash_}{fragment}"
