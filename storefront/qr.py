"""QR codes as inline SVG, drawn here (segno, no network), for whatever a scanner or a phone reads off a page.

One helper for every page that shows a code: an order's pickup code (the ``order-status``
component), a credit slip (:mod:`storefront.credits.slip`). It lives in the kernel because the
storefront may not import the components, and the components may import the storefront.
"""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, *, label: str) -> str:
    """A full QR code (never Micro QR, which phone cameras do not read), black on white whatever the theme.

    Scanners need the contrast and the quiet zone, so the colours are fixed rather than themed.
    ``label`` is the SVG's accessible name: the code itself in words, for who cannot scan.
    """
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out,
        kind="svg",
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        title=label,
        svgclass="sk-qr",
        lineclass=None,
        nl=False,
    )
    return out.getvalue().decode().replace("<svg ", '<svg role="img" ', 1)
