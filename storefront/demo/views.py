"""More views of each demo drawing, so a gallery has what a boutique shows: front, side, a detail, worn.

The demo's photographs are small SVG drawings of the front of a bag (``static/images`` and
``static/images/variants``). The other views are drawn from the same picture by pure functions, so a
colour's views always match its front: the side squeezes the bag to the product's own depth (its
width over its length), the detail is a closer crop of the middle (stitching and hardware), and
"worn" sets the bag, smaller, against a figure. They are written once, as files beside the others
(``static/images/views``, served like them), by ``python -m storefront.demo.views``; a test checks
the files are what these functions draw, so a changed drawing cannot leave stale views behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

IMAGES_DIR = Path(__file__).parent / "static" / "images"
IMAGES_URL = "/static/demo/images/"
VIEWS_DIR = IMAGES_DIR / "views"
VIEWS_URL = IMAGES_URL + "views/"

View = Literal["side", "detail", "worn"]
# Each view and the words that end its alt text ("Otto Mini Backpack in tan calfskin, from the side").
VIEWS: dict[View, str] = {"side": "from the side", "detail": "close up on the leather and hardware", "worn": "worn"}

_HEAD = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}" role="img" aria-labelledby="t">\n'
    '<title id="t">{title}</title>\n'
)
_BACKDROP = re.compile(r'<rect width="200" height="200" fill="(#[0-9a-fA-F]{6})"/>\n')
_BODY = re.compile(r"</title>\n(.*)</svg>", re.DOTALL)
# A figure behind a worn bag: head, neck and shoulders, in a shade of the backdrop.
_FIGURE = (
    '<circle cx="100" cy="34" r="20" fill="{tone}"/>\n'
    '<path d="M90 52 H110 V62 Q150 66 164 92 L176 200 H24 L36 92 Q50 66 90 62 Z" fill="{tone}"/>\n'
)


def _shade(hex_colour: str, factor: float) -> str:
    """``hex_colour`` darkened by ``factor`` (0.9 is 10% darker): a tone that sits on the backdrop."""
    channels = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * factor):02x}" for c in channels)


def _parts(svg: str) -> tuple[str, str]:
    """The drawing's backdrop colour and everything drawn on it (without the backdrop)."""
    backdrop, body = _BACKDROP.search(svg), _BODY.search(svg)
    if backdrop is None or body is None:
        raise ValueError("a demo drawing is a 200 x 200 backdrop rect and shapes after its title")
    return backdrop.group(1), body.group(1).replace(backdrop.group(0), "", 1)


def draw(svg: str, view: View, *, title: str, depth_ratio: float) -> str:
    """``view`` of the front drawing ``svg``; ``depth_ratio`` (width / length, 0 to 1) sets the side view's depth."""
    backdrop, shapes = _parts(svg)
    ground = f'<rect width="200" height="200" fill="{backdrop}"/>\n'
    head = _HEAD.format(box="0 0 200 200", title=title)
    if view == "side":
        scale = round(min(max(depth_ratio, 0.2), 1.0), 3)
        inner = f'<g transform="translate(100 0) scale({scale} 1) translate(-100 0)">\n{shapes}</g>\n'
    elif view == "detail":
        head = _HEAD.format(box="50 84 100 100", title=title)
        inner = shapes
    else:
        ground = f'<rect width="200" height="200" fill="{_shade(backdrop, 0.97)}"/>\n'
        inner = _FIGURE.format(tone=_shade(backdrop, 0.8))
        inner += f'<g transform="translate(46 78) scale(.54)">\n{shapes}</g>\n'
    return head + ground + inner + "</svg>\n"


def view_url(front_url: str, view: View) -> str:
    """Where ``view`` of the drawing at ``front_url`` is served: ``.../views/<drawing>-<view>.svg``."""
    return f"{VIEWS_URL}{Path(front_url).stem}-{view}.svg"


def view_alt(front_alt: str, view: View) -> str:
    return f"{front_alt}, {VIEWS[view]}"


def drawings(fronts: Iterable[tuple[str, str, float]]) -> Iterator[tuple[Path, str]]:
    """Every view file of the fronts given as (url, alt, depth ratio): the path it lives at and its text."""
    for url, alt, ratio in fronts:
        svg = (IMAGES_DIR / url.removeprefix(IMAGES_URL)).read_text(encoding="utf-8")
        for view in VIEWS:
            path = VIEWS_DIR / view_url(url, view).removeprefix(VIEWS_URL)
            yield path, draw(svg, view, title=view_alt(alt, view), depth_ratio=ratio)


def main() -> None:  # pragma: no cover - run by hand when a drawing changes
    from storefront.demo import catalogue

    VIEWS_DIR.mkdir(exist_ok=True)
    for path, text in drawings(catalogue.fronts()):
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
