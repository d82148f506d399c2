"""Credit codes: bearer instruments a shopper types at a till or into a checkout (pure, no I/O).

Whoever holds a code can spend it, so a code is 23 random Crockford base32 symbols (115 bits from
:mod:`secrets`) and one check symbol, printed in groups of four after a prefix:
``SKC-7K3M-Q9TX-...``. Crockford's alphabet has no I, L, O or U, so what a person misreads is
mapped back on input (O to 0, I and L to 1), with case, spaces and dashes ignored.

The check symbol is ISO 7064's hybrid system over the same 32 symbols (MOD 33,32), computed over
the prefix too: every single mistyped symbol and most swapped neighbours are caught by
:func:`parse` before any database read, so typos cost nothing and guesses still have to be right
in all 115 bits. The prefix is a parameter so a stall's till can issue codes of its own
(``SKC`` plus a device mark) offline that never collide with the server's.

Only a keyed hash of a code is stored (:func:`code_hash`, HMAC-SHA256 under a key derived from the
app's secret), so a leaked table gives nobody a spendable code, and hashes are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storefront.settings import Settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = re.compile(r"[\s\-]+")
_MODULUS = len(ALPHABET)

DEFAULT_PREFIX = "SKC"
RANDOM_SYMBOLS = 23  # 115 bits; with the check symbol, six groups of four
GROUP = 4
PREFIX_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{2,8}")
# The longest text a person may send for a code: prefix, body, check, dashes and a few stray spaces.
MAX_INPUT = 64
_KEY_LABEL = b"stallkit credit codes v1"


class BadCode(ValueError):
    """The text cannot be a credit code: wrong symbols, wrong length or a wrong check symbol."""


def check_symbol(symbols: str) -> str:
    """The ISO 7064 hybrid MOD 33,32 check symbol of ``symbols`` (already normalised)."""
    product = _MODULUS
    for symbol in symbols:
        total = (product + _VALUE[symbol]) % _MODULUS or _MODULUS
        product = (2 * total) % (_MODULUS + 1)
    return ALPHABET[(_MODULUS + 1 - product) % _MODULUS]


def generate(prefix: str = DEFAULT_PREFIX) -> str:
    """A new code, printed as ``PREFIX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`` (the last symbol is the check)."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError("a code prefix is 2 to 8 Crockford base32 symbols (no I, L, O or U)")
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return printed(prefix + body + check_symbol(prefix + body))


def groups(normalised: str) -> list[str]:
    """A code in the groups people read it out in: its prefix, then fours (the last ends in the check symbol)."""
    cut = len(normalised) - RANDOM_SYMBOLS - 1
    body = normalised[cut:]
    return [normalised[:cut], *(body[i : i + GROUP] for i in range(0, len(body), GROUP))]


def printed(normalised: str) -> str:
    """The code as it is printed and shown: ``SKC-7K3M-Q9TX-...``."""
    return "-".join(groups(normalised))


def normalise(text: str) -> str:
    """The code's symbols alone: upper case, spaces and dashes dropped, misread letters mapped back."""
    return _IGNORED.sub("", text).upper().translate(_CONFUSABLE)


def parse(text: str) -> str:
    """The normalised code if ``text`` can be one; :class:`BadCode` (saying why, in plain words) if not."""
    if len(text) > MAX_INPUT:
        raise BadCode("this is too long to be a credit code")
    symbols = normalise(text)
    if any(symbol not in _VALUE for symbol in symbols):
        raise BadCode("a credit code has only letters and digits")
    if not 2 + RANDOM_SYMBOLS + 1 <= len(symbols) <= 8 + RANDOM_SYMBOLS + 1:
        raise BadCode("a credit code has 24 letters and digits after its prefix")
    if check_symbol(symbols[:-1]) != symbols[-1]:
        raise BadCode("this code has a typing mistake: please check it against the card or receipt")
    return symbols


def settings_key(settings: Settings) -> bytes:
    """The app's key for codes, from its settings: what every route that reads a code hashes it with."""
    return hashing_key(settings.secret.reveal())


def hashing_key(secret: str) -> bytes:
    """The key codes are hashed under: derived from the app's secret, so it is used for nothing else."""
    if not secret:
        raise ValueError("credit codes need a secret (STALLKIT_SECRET) to be hashed with")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def code_hash(key: bytes, normalised: str) -> str:
    """What is stored for a code: HMAC-SHA256 of its normalised symbols, hex."""
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def offline_lookup(brand_id: uuid.UUID, normalised: str) -> str:
    """How a till finds an online credit in its pack without the pack holding a spendable code.

    Unkeyed SHA-256 over the brand and the code: the server stores it when it mints a code (it
    never keeps the code) and the till computes it from what the shopper types. A code has 115
    random bits, so the lookup cannot be turned back into a code; the keyed hash the server
    checks online stays the server's alone.
    """
    return hashlib.sha256(b"stallkit offline credit v1\x00" + brand_id.bytes + normalised.encode()).hexdigest()


def display_hint(normalised: str) -> str:
    """The last four symbols, for staff screens and receipts: enough to tell codes apart, not to spend one."""
    return normalised[-GROUP:]
