"""Who is asking, and may they: the session from the cookie, the role, the CSRF token, the form itself.

Every back-office page but sign-in and reset goes through :func:`staff`: no session is a redirect
to sign-in (a page) or a 401 (a form post); a role that may not is a 403; an object of another
brand, or of an event a stall account is not for, is a 404 like one that does not exist. Every
post goes through :func:`posted`: the origin, the session's CSRF token, readable text.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from storefront.backoffice import rules, sessions, tokens
from storefront.backoffice.sessions import SignedIn
from storefront.clock import utcnow
from storefront.errors import InvalidInput, PermissionDenied, Unauthenticated
from storefront.settings import Settings

COOKIE = "stallkit_staff"
FORM_COOKIE = "stallkit_staff_form"
CSRF_FIELD = "csrf_token"
KEY_FIELD = "form_key"  # a form's own idempotency key, rendered with it: a second submit does nothing twice
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}


class CsrfRefused(PermissionDenied):
    """A form without its token, or posted from another site."""

    code = "csrf_refused"
    title = "This form is out of date"


class SignInFirst(Unauthenticated):
    """No live session: pages redirect to sign-in, posts answer 401."""

    code = "sign_in_required"
    title = "Sign in first"


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def cookie(request: Request[Any, Any, Any], name: str, value: str, *, same_site: str) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/admin",
        httponly=True,
        secure=settings_of(request).serves_securely,
        samesite=same_site,  # type: ignore[arg-type]
    )


async def form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted fields as text (the last of a repeated one), after the origin check; refused in words if not."""
    origin = request.headers.get("origin")
    if origin is not None and origin != settings_of(request).public_origin:
        raise CsrfRefused("this form was posted from another site: use the back office's own pages")
    try:
        posted_form = await request.form()
    except UnicodeDecodeError:
        raise InvalidInput("the form is not UTF-8 text") from None
    fields = {name: value for name, value in posted_form.items() if isinstance(value, str)}
    if any(ch in _CONTROL for value in fields.values() for ch in value):
        raise InvalidInput("the form holds characters no field takes")
    return fields


def form_token(request: Request[Any, Any, Any]) -> str:
    return request.cookies.get(FORM_COOKIE) or tokens.new_token()


def _check_token(expected: str | None, fields: dict[str, str]) -> None:
    if not expected or not tokens.same(expected, fields.get(CSRF_FIELD, "")):
        raise CsrfRefused("this page is out of date: reload it and try again")


def check_form_token(request: Request[Any, Any, Any], fields: dict[str, str]) -> None:
    """A form with no session yet (sign-in, reset) posts the token its double-submit cookie holds."""
    _check_token(request.cookies.get(FORM_COOKIE), fields)


async def signed_in(request: Request[Any, Any, Any]) -> SignedIn | None:
    return await sessions.resolve(request.cookies.get(COOKIE), utcnow())


async def staff(request: Request[Any, Any, Any], roles: Collection[rules.Role] = rules.ROLES) -> SignedIn:
    """The signed-in person, if their role is one of ``roles``."""
    who = await signed_in(request)
    if who is None:
        raise SignInFirst("sign in to the back office first")
    if who.account.role not in roles:
        raise PermissionDenied(f"a {who.account.role} account cannot do this: ask the shop's owner")
    return who


async def posted(request: Request[Any, Any, Any], who: SignedIn) -> dict[str, str]:
    """A signed-in form's fields, once its CSRF token is the session's."""
    fields = await form(request)
    _check_token(who.session.csrf_token, fields)
    return fields
