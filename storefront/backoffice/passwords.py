"""Password hashing through argon2-cffi (Argon2id, its RFC 9106 low-memory profile): never by hand.

A hash made under older parameters is rehashed at the next successful sign-in
(:func:`needs_rehash`), so raising the cost later reaches every account that is used.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# A hash of nothing anyone will type, verified when the email is unknown: a wrong email takes as
# long as a wrong password, so timing does not tell which accounts exist.
_DECOY = _HASHER.hash("not a password: the email was unknown")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such account, checked against a decoy all the same)."""
    try:
        return _HASHER.verify(stored or _DECOY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
