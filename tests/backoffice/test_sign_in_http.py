"""Signing in to the back office over HTTP: cookies, CSRF, lockout, rate limits, sign-out and reset links."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
from litestar import Litestar

from storefront.backoffice import StaffAccount, StaffSession, create_staff, issue_reset
from storefront.clock import utcnow
from storefront.settings import Settings
from tests.backoffice.conftest import PASSWORD, client_of, office
from tests.conftest import MakeBrand

Client = httpx.AsyncClient


async def staff(make_brand: MakeBrand, role: str = "owner") -> tuple[str, str]:
    brand = await make_brand()
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    await create_staff(brand.brand.handle, email=email, name="Ada", role=role, password=PASSWORD, now=utcnow())  # type: ignore[arg-type]
    return brand.brand.handle, email


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def sign_in(browser: Client, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await browser.get("/admin/sign-in")
    assert page.status_code == 200
    return await browser.post(
        "/admin/sign-in", data={"email": email, "password": password, "csrf_token": form_token(page.text)}
    )


async def test_signing_in_opens_a_server_side_session_in_a_locked_down_cookie(
    browser: Client, make_brand: MakeBrand
) -> None:
    _, email = await staff(make_brand)
    assert (await browser.get("/admin/")).headers["location"] == "/admin/sign-in"
    answer = await sign_in(browser, email.upper())  # an email is not case-sensitive
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("stallkit_staff="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite", "path"} <= attributes and "SameSite=lax" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert not await StaffSession.exists(token_hash=token)  # the database keeps only its hash
    home = await browser.get("/admin/")
    assert home.status_code == 200 and "Signed in as Ada" in home.text
    assert home.headers["cache-control"] == "no-store" and home.headers["x-frame-options"] == "DENY"


async def test_a_wrong_password_or_unknown_email_gets_the_same_words(browser: Client, make_brand: MakeBrand) -> None:
    _, email = await staff(make_brand)
    wrong = await sign_in(browser, email, "not the password at all")
    unknown = await sign_in(browser, "nobody@example.com")
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and "The email or the password is wrong." in answer.text
        assert "stallkit_staff=" not in answer.headers.get("set-cookie", "")


async def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    browser: Client, make_brand: MakeBrand
) -> None:
    _, email = await staff(make_brand)
    for _ in range(4):
        assert (await sign_in(browser, email, "wrong password here")).status_code == 401
    locked = await sign_in(browser, email, "wrong password here")
    assert locked.status_code == 429 and "try again in 15 minutes" in locked.text
    assert int(locked.headers["retry-after"]) > 800
    assert (await sign_in(browser, email)).status_code == 429  # the right password waits too
    await StaffAccount.filter(email=email).update(locked_until=utcnow() - timedelta(seconds=1))
    assert (await sign_in(browser, email)).status_code == 303


async def test_a_form_without_its_token_or_from_another_site_is_refused(browser: Client, make_brand: MakeBrand) -> None:
    _, email = await staff(make_brand)
    await browser.get("/admin/sign-in")
    no_token = await browser.post("/admin/sign-in", data={"email": email, "password": PASSWORD})
    assert no_token.status_code == 403 and "out of date" in no_token.text
    page = await browser.get("/admin/sign-in")
    elsewhere = await browser.post(
        "/admin/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": form_token(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403 and "another site" in elsewhere.text
    assert (await sign_in(browser, email)).status_code == 303
    home = await browser.get("/admin/")
    forged = await browser.post("/admin/sign-out", data={"csrf_token": "guessed"})
    assert forged.status_code == 403
    assert (await browser.get("/admin/")).status_code == 200  # still signed in
    out = await browser.post("/admin/sign-out", data={"csrf_token": form_token(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/admin/sign-in"


async def test_signing_out_ends_the_session_on_the_server(
    browser: Client, office_app: Litestar, make_brand: MakeBrand
) -> None:
    _, email = await staff(make_brand)
    await sign_in(browser, email)
    token = browser.cookies.get("stallkit_staff")
    assert token
    home = await browser.get("/admin/")
    await browser.post("/admin/sign-out", data={"csrf_token": form_token(home.text)})
    # The cookie kept by someone who copied it before the sign-out opens nothing any more.
    async with client_of(office_app) as thief:
        thief.cookies.set("stallkit_staff", token, path="/admin")
        assert (await thief.get("/admin/")).status_code == 303


async def test_hostile_forms_are_refused_in_words(browser: Client, make_brand: MakeBrand) -> None:
    _, email = await staff(make_brand)
    page = await browser.get("/admin/sign-in")
    token = form_token(page.text)
    bad_utf8 = await browser.post(
        "/admin/sign-in",
        content=b"email=%FF%FE&password=x&csrf_token=" + token.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad_utf8.status_code in (401, 422) and "Traceback" not in bad_utf8.text
    nul = await browser.post(
        "/admin/sign-in", data={"email": email + "\x00", "password": PASSWORD, "csrf_token": token}
    )
    assert nul.status_code == 422 and "characters no field takes" in nul.text
    huge = await browser.post("/admin/sign-in", data={"email": "a" * 5000, "password": "b" * 5000, "csrf_token": token})
    assert huge.status_code == 401


async def test_a_reset_link_works_once_and_ends_every_session(browser: Client, make_brand: MakeBrand) -> None:
    _, email = await staff(make_brand)
    await sign_in(browser, email)
    account = await StaffAccount.get(email=email)
    assert await StaffSession.filter(account_id=account.id).count() == 1
    token = await issue_reset(email, utcnow())
    form = await browser.get(f"/admin/reset/{token}")
    assert form.status_code == 200
    weak = await browser.post(f"/admin/reset/{token}", data={"password": "short", "csrf_token": form_token(form.text)})
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    done = await browser.post(
        f"/admin/reset/{token}", data={"password": "a brand new passphrase", "csrf_token": form_token(form.text)}
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/sign-in?reset=done"
    assert await StaffSession.filter(account_id=account.id).count() == 0
    again = await browser.get(f"/admin/reset/{token}")
    assert again.status_code == 410 and "expired or was used already" in again.text
    assert (await sign_in(browser, email)).status_code == 401
    assert (await sign_in(browser, email, "a brand new passphrase")).status_code == 303
    assert (await browser.get("/admin/reset/not-a-token")).status_code == 410


async def test_sign_in_attempts_are_rate_limited_per_client_with_a_page(database: Settings) -> None:
    async with client_of(office(database, rate_limit_sign_ins="3/minute")) as http:
        answers = [await sign_in(http, "nobody@example.com") for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[-1].headers["content-type"].startswith("text/html") and "Too many attempts" in answers[-1].text
