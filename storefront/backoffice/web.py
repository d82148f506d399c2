"""HTTP for the back office: sign-in, sign-out, password reset and the signed-in home (Today), at ``/admin``.

**Sessions** are server-side (:mod:`.sessions`): the ``stallkit_staff`` cookie carries a random
token and is ``HttpOnly``, ``SameSite=Lax``, ``Path=/admin`` and ``Secure`` wherever browsers reach
us securely (HTTPS, or this machine). **CSRF**: every form posts a token; a signed-in form posts its
session's, and the sign-in and reset forms (no session yet) the one in the ``stallkit_staff_form``
cookie (double submit, ``SameSite=Strict``), so another site can neither sign a browser in as
someone else nor post as the person signed in. A browser's ``Origin``, when sent, must be ours.
**Abuse**: the ``sign_ins`` rate limit (per client, ``storefront.api.ratelimit``) and the account
lockout (:mod:`.rules`). Every failure is a page with its words and a 4xx status, never a trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import File, Redirect

from storefront.backoffice import access, accounts, resets, sessions
from storefront.backoffice.pages import page
from storefront.backoffice.today import today
from storefront.clock import utcnow
from storefront.errors import StallkitError, status_of

HTMX = Path(__file__).parents[2] / "components" / "static" / "vendor" / "htmx-2.0.11.min.js"
ResetToken = Annotated[str, PathParameter(max_length=200)]
ROLE_WORDS = {"owner": "the owner", "staff": "staff", "stall": "stall staff for one event"}


def _problem_page(exc: StallkitError, status: int) -> Response[str]:
    return page("problem.html", status=status, title=exc.title, detail=exc.detail)


def _with_form_cookie(request: Request[Any, Any, Any], response: Response[str], token: str) -> Response[str]:
    if request.cookies.get(access.FORM_COOKIE) != token:
        response.set_cookie(access.cookie(request, access.FORM_COOKIE, token, same_site="strict"))
    return response


def _sign_in_page(
    request: Request[Any, Any, Any],
    *,
    status: int = 200,
    email: str = "",
    message: str = "",
    notice: str = "",
    **headers: str,
) -> Response[str]:
    token = access.form_token(request)
    response = page(
        "sign_in.html", status=status, headers=headers, form_token=token, email=email, message=message, notice=notice
    )
    return _with_form_cookie(request, response, token)


class BackOfficeController(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/static/htmx.js")
    async def htmx(self) -> File:
        """htmx, vendored once for the project beside the components, served by path as data (no CDN)."""
        return File(HTMX, media_type="text/javascript", content_disposition_type="inline",
                    headers={"Cache-Control": "max-age=86400"})  # fmt: skip

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.signed_in(request)
        if who is None:
            return Redirect("/admin/sign-in", status_code=303)
        if who.account.role == "stall" and who.account.event_id is not None:
            return Redirect(f"/admin/events/{who.account.event_id}", status_code=303)  # their one event
        day = await today(who, utcnow())
        return page("home.html", who=who, day=day, role_words=ROLE_WORDS.get(who.account.role, who.account.role))

    @get("/sign-in")
    async def sign_in_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if await access.signed_in(request) is not None:
            return Redirect("/admin", status_code=303)
        notice = "Your password is set: sign in with it." if request.query_params.get("reset") == "done" else ""
        return _sign_in_page(request, notice=notice)

    @post("/sign-in", status_code=303)
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            fields = await access.form(request)
            access.check_form_token(request, fields)
        except StallkitError as exc:
            return _sign_in_page(request, status=status_of(exc), message=exc.detail)
        email = fields.get("email", "")[:254]
        now = utcnow()
        try:
            account = await accounts.sign_in(email, fields.get("password", "")[:1024], now)
        except accounts.AccountLocked as exc:
            return _sign_in_page(
                request, status=429, email=email, message=exc.detail, **{"Retry-After": str(exc.retry_after)}
            )
        except accounts.SignInRefused:
            return _sign_in_page(request, status=401, email=email, message="The email or the password is wrong.")
        token, _ = await sessions.open_session(account, now)
        response: Response[Any] = Redirect("/admin", status_code=303)
        response.set_cookie(access.cookie(request, access.COOKIE, token, same_site="lax"))
        response.delete_cookie(access.FORM_COOKIE, path="/admin")
        return response

    @post("/sign-out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await access.signed_in(request)
        if who is None:
            return Redirect("/admin/sign-in", status_code=303)
        try:
            await access.posted(request, who)
        except StallkitError as exc:
            return _problem_page(exc, status_of(exc))
        await sessions.close_session(who.session.id)
        response: Response[Any] = Redirect("/admin/sign-in", status_code=303)
        response.delete_cookie(access.COOKIE, path="/admin")
        return response

    @get("/reset/{token:str}")
    async def reset_form(self, request: Request[Any, Any, Any], token: ResetToken) -> Response[Any]:
        usable = await resets.usable(token, utcnow()) is not None
        message = "" if usable else "This link has expired or was used already: ask for a new one."
        form_token = access.form_token(request)
        response = page(
            "reset.html",
            status=200 if usable else 410,
            token=token,
            usable=usable,
            message=message,
            form_token=form_token,
        )
        return _with_form_cookie(request, response, form_token)

    @post("/reset/{token:str}", status_code=303)
    async def reset(self, request: Request[Any, Any, Any], token: ResetToken) -> Response[Any]:
        form_token = access.form_token(request)
        try:
            fields = await access.form(request)
            access.check_form_token(request, fields)
            await resets.use(token, fields.get("password", "")[:1024], utcnow())
        except StallkitError as exc:
            usable = await resets.usable(token, utcnow()) is not None
            response = page(
                "reset.html", status=status_of(exc), token=token, usable=usable, message=exc.detail,
                form_token=form_token,
            )  # fmt: skip
            return _with_form_cookie(request, response, form_token)
        return Redirect("/admin/sign-in?reset=done", status_code=303)


__all__ = ["BackOfficeController"]
