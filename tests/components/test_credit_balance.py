"""The credit-balance component over HTTP: a code posted, its balance and lots in words, every refusal in words.

The code travels only in the form's body, the answers are ``no-store``, the look-up spends the very
allowance ``GET /v1/credits/{code}`` spends, and the code is never written into a log or back into
the page once found.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar

from storefront.api.ratelimit import RateLimits
from storefront.clock import utcnow
from storefront.credits import codes, service
from storefront.settings import Settings
from storefront.tenancy.schemas import CreatedBrand
from tests.components.test_cart_components import text_of
from tests.conftest import MakeBrand, auth
from tests.credits.conftest import issue, refill

Client = httpx.AsyncClient
PATH = "/v1/components/credit-balance"
HTMX = {"HX-Request": "true"}


async def look_up(client: Client, brand: CreatedBrand, code: str, *, htmx: bool = True) -> httpx.Response:
    return await client.post(
        PATH, params={"key": brand.publishable_key}, data={"credit_code": code}, headers=HTMX if htmx else {}
    )


def field_error(html: str) -> str:
    assert re.search(r'name="credit_code"[^>]*aria-invalid="true"', html), html
    match = re.search(r'<p class="sk-field__error" id="sk-credit-balance-credit_code-error">([^<]*)</p>', html)
    assert match, html
    return match.group(1).replace("&#39;", "'")


async def test_the_form_posts_the_code_and_builds_no_link_with_it(client: Client, brand: CreatedBrand) -> None:
    html = await client.get("/v1/components/credit-balance", params={"key": brand.publishable_key})
    assert html.status_code == 200, html.text
    assert html.text.startswith('<div class="sk-root sk-theme-default" data-sk-component="credit-balance"')
    form = re.search(r"<form[^>]*>", html.text)
    assert form and 'method="post"' in form.group(0) and 'hx-post="http://' in form.group(0)
    assert re.search(r'action="http://[^"]*/v1/components/credit-balance\?key=pk_[^"&]*"', form.group(0))
    assert re.search(
        r'<label class="sk-field__label" for="sk-credit-balance-credit_code">Credit code</label>', html.text
    )
    props = await client.get(PATH, params={"key": brand.publishable_key}, headers={"Accept": "application/json"})
    assert props.json()["result"] is None and props.json()["code"] == ""


@pytest.mark.parametrize("htmx", [True, False])
async def test_a_code_shows_its_balance_lots_and_status_in_words(
    client: Client, brand: CreatedBrand, htmx: bool, caplog: pytest.LogCaptureFixture
) -> None:
    now = utcnow()
    soon, later = now + timedelta(days=30), now + timedelta(days=400)
    code, credit_id = await issue(brand.brand.id, 2_500, now, expires_at=soon)
    await refill(brand.brand.id, credit_id, 4_000, now, later)
    caplog.set_level(logging.DEBUG)
    # As a person types it: lower case, spaces for dashes, an O for a zero.
    typed = code.lower().replace("-", " ").replace("0", "o")
    response = await look_up(client, brand, typed, htmx=htmx)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    words = text_of(response.text)
    assert f"Credit ending {code[-4:]}" in words
    assert "Balance: £65.00" in words and "Ready to spend." in words
    rows = [text_of(row).split() for row in re.findall(r"<tr><td>(.*?)</tr>", response.text)]
    assert [row[0] for row in rows] == ["£25.00", "£40.00"]  # soonest to expire first, as it is spent
    assert f"Credit ending {code[-4:]}: £65.00. Ready to spend." in words  # the announcement
    normalised = codes.normalise(code)
    assert normalised not in codes.normalise(response.text) and code not in response.text  # not written back
    assert not [r for r in caplog.records if code in r.getMessage() or typed in r.getMessage()]


async def test_an_expired_credit_says_so(client: Client, brand: CreatedBrand) -> None:
    past = datetime(2024, 1, 1, tzinfo=UTC)
    code, _ = await issue(brand.brand.id, 1_000, past, expires_at=past + timedelta(days=30))
    await service.expire_due(utcnow())
    words = text_of((await look_up(client, brand, code)).text)
    assert "Balance: £0.00" in words and "Expired: this credit can no longer be spent." in words


async def test_every_refusal_is_said_in_words_and_a_typo_needs_no_look_up(
    client: Client, brand: CreatedBrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _ = await issue(brand.brand.id, 1_000, utcnow())
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")

    async def no_reads(*args: object, **kwargs: object) -> None:
        raise AssertionError("a code with a typing mistake must not be looked up")

    monkeypatch.setattr(service, "credit_by_code", no_reads)
    wrong = await look_up(client, brand, typo)
    assert wrong.status_code == 200 and wrong.headers["cache-control"] == "no-store"
    assert field_error(wrong.text) == (
        "This code has a typing mistake. Please check it against your credit slip or receipt."
    )
    assert f'value="{typo}"' in wrong.text  # kept to correct, in a no-store answer
    monkeypatch.undo()

    made_up = codes.generate()
    unknown = field_error((await look_up(client, brand, made_up, htmx=False)).text)
    assert unknown == "We don't know this code. Please check it against your credit slip or receipt."
    assert (
        field_error((await look_up(client, brand, "")).text) == "Enter the code printed on your credit slip or receipt."
    )
    assert "typing mistake" in field_error((await look_up(client, brand, "SKC-1234")).text)


async def test_another_brands_code_is_unknown(client: Client, make_brand: MakeBrand) -> None:
    ours, theirs = await make_brand(), await make_brand()
    code, _ = await issue(theirs.brand.id, 1_000, utcnow())
    assert field_error((await look_up(client, ours, code)).text).startswith("We don't know this code.")


async def test_the_look_up_spends_the_same_allowance_as_the_api(
    app: Litestar, client: Client, brand: CreatedBrand
) -> None:
    code, _ = await issue(brand.brand.id, 1_000, utcnow())
    settings: Settings = app.state["settings"]
    saved = app.state["rate_limits"]
    app.state["rate_limits"] = RateLimits(
        Settings(database_url=settings.database_url, rate_limit_credit_lookups="3/minute")
    )
    try:
        answers = [(await client.get(f"/v1/credits/{code}", headers=auth(brand.publishable_key))).status_code]
        answers += [(await look_up(client, brand, code)).status_code for _ in range(2)]
        refused = await look_up(client, brand, code)
        answers.append(refused.status_code)
        answers.append((await client.get(f"/v1/credits/{code}", headers=auth(brand.publishable_key))).status_code)
    finally:
        app.state["rate_limits"] = saved
    assert answers == [200, 200, 200, 429, 429]
    assert refused.json()["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1


async def test_a_keyed_look_up_is_never_replayed_from_a_store(client: Client, brand: CreatedBrand) -> None:
    code, _ = await issue(brand.brand.id, 1_000, utcnow())
    key = str(uuid.uuid4())
    for _ in range(2):
        response = await client.post(
            PATH,
            params={"key": brand.publishable_key},
            data={"credit_code": code},
            headers={**HTMX, "Idempotency-Key": key},
        )
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        assert "Balance: £10.00" in text_of(response.text)
