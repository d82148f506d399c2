"""What a theme token's value may be: an allow-list of CSS value shapes, matched whole.

A brand's ``theme_tokens`` become ``--sk-<name>: <value>;`` in the theme stylesheet and in the
``style`` attribute of every fragment's root, so a value is CSS written by a stranger into our
pages. A deny-list of dangerous characters let ``image-set("http://...")`` through (a browser
fetches from wherever it says); CSS has too many functions that load or read things to list
them all. So a value is accepted only when it *is* one of the shapes tokens are for:

- a colour: ``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``; ``rgb()``, ``rgba()``, ``hsl()``,
  ``hsla()`` with numbers only; a named colour (a bare word, see below);
- one to four lengths or plain numbers (``0``, ``1.5``, ``6px``, ``1rem 2rem``), units from
  :data:`UNITS`;
- a font stack: family names, each quoted (words of letters, digits and hyphens inside) or bare
  words, separated by commas; generic families and keywords (``serif``, ``inherit``,
  ``transparent``) are bare words too.

Nothing else, in particular no other parentheses, no backslash escapes, no ``;``, braces,
``<``, ``@``, ``!`` or ``:``, no comments, no control or non-ASCII characters. Pure: no I/O.
"""

from __future__ import annotations

import re

MAX_LENGTH = 200
UNITS = ("px", "rem", "em", "ch", "ex", "vw", "vh", "vmin", "vmax", "pt", "%")

_NUMBER = r"[+-]?(?:\d{1,6}(?:\.\d{1,4})?|\.\d{1,4})"
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_LENGTH = rf"{_NUMBER}(?:{_UNIT})?"
_LENGTHS = rf"{_LENGTH}(?: {_LENGTH}){{0,3}}"

_HEX = r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})"
_CHANNEL = rf"{_NUMBER}(?:%|deg)?"
_COLOUR_FUNCTION = rf"(?:rgba?|hsla?)\( ?{_CHANNEL}(?:(?: ?, ?| ){_CHANNEL}){{2}}(?: ?[,/] ?{_CHANNEL})? ?\)"

_WORD = r"-?[A-Za-z][A-Za-z0-9-]{0,40}"
_NAME = r"[A-Za-z0-9-]{1,30}(?: [A-Za-z0-9-]{1,30}){0,5}"
_FAMILY = rf"(?:'{_NAME}'|\"{_NAME}\"|{_WORD}(?: {_WORD}){{0,5}})"
_FONT_STACK = rf"{_FAMILY}(?: ?, ?{_FAMILY}){{0,9}}"

_VALUE = re.compile(rf"(?:{_HEX}|{_COLOUR_FUNCTION}|{_LENGTHS}|{_FONT_STACK})", re.IGNORECASE | re.ASCII)
_TOKEN_NAME = re.compile(r"[a-z0-9-]{1,40}", re.ASCII)


def is_token_name(name: str) -> bool:
    return _TOKEN_NAME.fullmatch(name) is not None


def is_token_value(value: str) -> bool:
    """True when ``value`` is a colour, lengths or a font stack, and nothing more (see the module docstring).

    Runs of spaces are not accepted (single spaces only), so no pattern here can be made to
    backtrack for long over a 200-character value.
    """
    return len(value) <= MAX_LENGTH and _VALUE.fullmatch(value) is not None
