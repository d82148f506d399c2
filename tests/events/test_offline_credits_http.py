"""Store credit taken to a pop-up event over HTTP: the cap held for the stall, moved, given back, and what a till gets.

``POST /v1/events/{id}/credits`` with the publishable key (the shopper holds the code) or the
secret key, ``DELETE /v1/events/{id}/credits/{code}`` with the secret key; hostile input answered
as problems before anything is read; the look-up rate limit; and the pack's credit lines.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from storefront.api.ratelimit import RateLimits
from storefront.clock import utcnow
from storefront.credits import Credit, CreditEntry, codes, event_holds, issue_stall_code, redeem_offline
from storefront.events import offline_credits, pack, release_spent_holds
from storefront.events.models import Event
from storefront.settings import Settings
from storefront.tenancy.schemas import CreatedBrand
from tests.checkout.conftest import cart_with
from tests.commerce import open_shop
from tests.conftest import TEST_SECRET, MakeBrand, auth
from tests.events.helpers import event_body

Client = httpx.AsyncClient
KEY = codes.hashing_key(TEST_SECRET.reveal())
PRICE = 12_500  # the shop's first SKU


def sk(brand: CreatedBrand, key: str | None = None) -> dict[str, str]:
    return auth(brand.secret_key, **{"Idempotency-Key": key or str(uuid.uuid4())})


def pk(brand: CreatedBrand, key: str | None = None) -> dict[str, str]:
    return auth(brand.publishable_key, **{"Idempotency-Key": key or str(uuid.uuid4())})


async def event_of(client: Client, brand: CreatedBrand) -> str:
    response = await client.post("/v1/events", json=event_body(), headers=sk(brand))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def credit(client: Client, brand: CreatedBrand, amount: int) -> str:
    body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "goodwill"}
    response = await client.post("/v1/credits", json=body, headers=sk(brand))
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def take(client: Client, event: str, headers: dict[str, str], **body: Any) -> httpx.Response:
    return await client.post(f"/v1/events/{event}/credits", json=body, headers=headers)


async def balance(client: Client, brand: CreatedBrand, code: str) -> tuple[int, int]:
    response = await client.get(f"/v1/credits/{code}", headers=auth(brand.publishable_key))
    assert response.status_code == 200, response.text
    return response.json()["balance"]["amount"], response.json()["held"]["amount"]


def typo_of(code: str) -> str:
    return code[:-1] + ("X" if code[-1] != "X" else "Y")


async def test_a_shopper_takes_a_credit_to_the_stall_and_online_checkout_spends_only_the_rest(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand, shop_units=2)
    brand = shop.brand
    event = await event_of(client, brand)
    code = await credit(client, brand, 10_000)
    response = await take(client, event, pk(brand), code=code.lower(), amount=6_000)  # typed as the shopper types it
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["event_id"] == event and body["hint"] == code[-4:]
    assert (body["cap"], body["held"], body["redeemed"]) == (
        {"amount": 6_000, "currency": "GBP"},
        {"amount": 6_000, "currency": "GBP"},
        {"amount": 0, "currency": "GBP"},
    )
    assert codes.normalise(code) not in response.text and code not in response.text
    assert await balance(client, brand, code) == (4_000, 6_000)
    cart = await cart_with(client, shop, shop.sku, 1)
    applied = await client.post(f"/v1/carts/{cart}/credits", json={"code": code}, headers=pk(brand))
    assert applied.status_code == 201, applied.text
    [line] = applied.json()["credits"]
    assert (line["applies"]["amount"], line["balance"]["amount"]) == (4_000, 4_000)  # the balance less the hold
    assert applied.json()["totals"]["due"]["amount"] == PRICE - 4_000
    # What the event's tills get: the code's lookup (as a till computes it from the typed code) and its cap.
    [line_of_pack] = await offline_credits.pack_credits(brand.brand.id, uuid.UUID(event))
    assert line_of_pack == pack.PackCredit(
        lookup=pack.offline_lookup(brand.brand.id, codes.normalise(code)), cap=6_000, currency="GBP"
    )


async def test_staff_move_the_cap_and_give_it_back(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 10_000)
    assert (await take(client, event, sk(brand), code=code)).json()["cap"]["amount"] == 10_000  # the default cap
    cut = utcnow()
    lowered = await take(client, event, sk(brand, "lower"), code=code, amount=2_500)
    assert lowered.status_code == 201 and lowered.json()["held"]["amount"] == 2_500
    entries = await CreditEntry.filter(credit__brand_id=brand.brand.id).count()
    again = await take(client, event, sk(brand, "lower"), code=code, amount=2_500)
    assert again.json() == lowered.json()
    assert await CreditEntry.filter(credit__brand_id=brand.brand.id).count() == entries
    assert await balance(client, brand, code) == (7_500, 2_500)
    [update] = await offline_credits.credit_updates(brand.brand.id, uuid.UUID(event), cut)
    assert update.cap == 2_500
    path = f"/v1/events/{event}/credits/{code}"
    assert (await client.delete(path, headers=pk(brand))).status_code == 403  # giving it back is staff's
    released = await client.delete(path, headers=sk(brand))
    assert released.status_code == 200, released.text
    assert released.headers["cache-control"] == "no-store"
    assert (released.json()["cap"]["amount"], released.json()["held"]["amount"]) == (0, 0)
    assert await balance(client, brand, code) == (10_000, 0)
    assert (await client.delete(path, headers=sk(brand))).json() == released.json()  # again: nothing changes
    [update] = await offline_credits.credit_updates(brand.brand.id, uuid.UUID(event), cut)
    assert update.cap == 0  # the tills hear it is no longer offline
    other_event = await event_of(client, brand)
    never = await client.delete(f"/v1/events/{other_event}/credits/{code}", headers=sk(brand))
    assert never.status_code == 404


async def test_a_code_the_stall_issued_is_spent_online_after_sync(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    event = uuid.UUID(await event_of(client, brand))
    code = codes.generate(prefix="7K3MQ9")  # as a till mints it, under its device mark
    await issue_stall_code(
        brand.brand.id,
        code=codes.normalise(code),
        amount=3_000,
        currency="GBP",
        key="entry-1",
        reason="stall trade-in",
        actor="system:stall-sync",
        now=utcnow(),
        expires_at=utcnow() + timedelta(days=365),
        code_key=KEY,
    )
    assert await balance(client, brand, code) == (3_000, 0)
    spent = await redeem_offline(
        brand.brand.id,
        event_id=event,
        code=codes.normalise(code),
        amount=1_000,
        currency="GBP",
        key="entry-2",
        reason="stall sale",
        actor="system:stall-sync",
        now=utcnow(),
    )
    assert (spent.redeemed, spent.shortfall) == (1_000, 0)
    assert await balance(client, brand, code) == (2_000, 0)
    again = await take(client, str(event), pk(brand), code=code, amount=500)  # and to the next day's stall
    assert again.status_code == 201 and again.json()["cap"]["amount"] == 500


async def test_a_typo_is_a_422_before_anything_is_read(
    client: Client, make_brand: MakeBrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)

    async def no_reads(*_: object, **__: object) -> None:
        raise AssertionError("a code with a bad check symbol reached the database")

    monkeypatch.setattr(Credit, "get_or_none", no_reads)
    monkeypatch.setattr(Event, "get_or_none", no_reads)
    refused = await take(client, event, pk(brand), code=typo_of(code))
    assert refused.status_code == 422 and refused.json()["code"] == "credit_code_invalid"
    assert refused.json()["errors"][0]["field"] == "body.code"
    deleted = await client.delete(f"/v1/events/{event}/credits/{typo_of(code)}", headers=sk(brand))
    assert deleted.status_code == 422 and deleted.json()["code"] == "credit_code_invalid"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": None},
        {"code": 12345},
        {"code": "SKC-" + "A" * 5000},
        {"code": "SKC-7K3M\n"},
        {"code": "SKC-7K3M\x00"},
        {"code": "{code}", "amount": 0},
        {"code": "{code}", "amount": -5},
        {"code": "{code}", "amount": 10**11},
        {"code": "{code}", "amount": 2**63},
        {"code": "{code}", "amount": 1.5},
        {"code": "{code}", "amount": "100"},
        {"code": "{code}", "cap": 100},
        {"code": "{code}", "event_id": "x"},
    ],
)
async def test_hostile_bodies_are_problems(client: Client, make_brand: MakeBrand, body: dict[str, Any]) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)
    filled = {name: (code if value == "{code}" else value) for name, value in body.items()}
    refused = await take(client, event, pk(brand), **filled)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await balance(client, brand, code) == (1_000, 0)


async def test_other_brands_events_and_codes_are_unknown(client: Client, make_brand: MakeBrand) -> None:
    brand, other = await make_brand(), await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)
    their_event, their_code = await event_of(client, other), await credit(client, other, 1_000)
    for path_event, headers, typed in (
        (their_event, pk(brand), code),
        (their_event, sk(brand), code),
        (str(uuid.uuid4()), sk(brand), code),
        (event, sk(brand), their_code),
        (event, sk(brand), codes.generate()),
    ):
        answer = await take(client, path_event, headers, code=typed)
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "not_found"
    assert (await client.delete(f"/v1/events/{their_event}/credits/{code}", headers=sk(brand))).status_code == 404
    not_an_id = await client.post("/v1/events/not-an-id/credits", json={"code": code}, headers=sk(brand))
    assert not_an_id.status_code in (400, 404)
    assert await balance(client, brand, code) == (1_000, 0) and await balance(client, other, their_code) == (1_000, 0)


async def test_without_a_key_nothing_is_taken(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)
    assert (await client.post(f"/v1/events/{event}/credits", json={"code": code})).status_code == 401
    bogus = {"Authorization": "Bearer pk_" + "z" * 43}
    assert (await client.post(f"/v1/events/{event}/credits", json={"code": code}, headers=bogus)).status_code == 401
    assert (await client.delete(f"/v1/events/{event}/credits/{code}")).status_code == 401
    guessable = auth(brand.publishable_key, **{"Idempotency-Key": "11111111-1111-4111-8111-111111111111"})
    assert (await take(client, event, guessable, code=code)).status_code == 400  # a shopper's key must be random
    assert await balance(client, brand, code) == (1_000, 0)


async def test_a_closed_event_takes_no_more_credit(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)
    assert (await take(client, event, sk(brand), code=code, amount=400)).status_code == 201
    await Event.filter(id=event).update(status="closed")
    refused = await take(client, event, sk(brand), code=code, amount=900)
    assert refused.status_code == 409, refused.text
    assert (await client.delete(f"/v1/events/{event}/credits/{code}", headers=sk(brand))).status_code == 200
    assert await balance(client, brand, code) == (1_000, 0)


async def test_a_credit_with_nothing_left_or_from_before_cannot_go(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 1_000)
    first, second = await event_of(client, brand), await event_of(client, brand)
    assert (await take(client, first, sk(brand), code=code)).status_code == 201
    empty = await take(client, second, sk(brand), code=code)
    assert empty.status_code == 409 and empty.json()["code"] == "credit_insufficient"
    old = await credit(client, brand, 1_000)
    await Credit.filter(code_hint=codes.normalise(old)[-4:], brand_id=brand.brand.id).update(offline_lookup=None)
    refused = await take(client, event, sk(brand), code=old)
    assert refused.status_code == 409 and refused.json()["code"] == "credit_not_offline"


async def test_taking_credit_to_a_stall_is_rate_limited_like_look_ups(
    app: Litestar, client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 5_000)
    settings: Settings = app.state["settings"]
    saved = app.state["rate_limits"]
    app.state["rate_limits"] = RateLimits(
        Settings(database_url=settings.database_url, rate_limit_credit_lookups="3/minute")
    )
    try:
        answers = [(await take(client, event, pk(brand), code=code, amount=100 + i)).status_code for i in range(3)]
        limited = await take(client, event, pk(brand), code=codes.generate())
        deleted = await client.delete(f"/v1/events/{event}/credits/{code}", headers=sk(brand))
    finally:
        app.state["rate_limits"] = saved
    assert answers == [201, 201, 201]
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited" and limited.headers["retry-after"]
    assert deleted.status_code == 429
    taken = await Credit.get(code_hint=code[-4:], brand_id=brand.brand.id)
    assert (await event_holds.event_credit(brand.brand.id, uuid.UUID(event), taken.id)).cap.amount == 102


async def test_closing_keeps_the_hold_until_the_packs_expire_then_housekeeping_gives_it_back(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    event, code = await event_of(client, brand), await credit(client, brand, 10_000)
    assert (await take(client, event, sk(brand), code=code, amount=3_000)).status_code == 201
    closed = await client.post(f"/v1/events/{event}/close", headers=sk(brand))
    assert closed.status_code == 200, closed.text
    # A till may still sync a sale that spent it (its pack is good for two days after the event).
    assert await balance(client, brand, code) == (7_000, 3_000)
    ends = (await Event.get(id=event)).ends_at
    # (Housekeeping is for every brand: other tests' events may be freed too, so balances tell.)
    await release_spent_holds(ends + pack.GRACE - timedelta(minutes=1))
    assert await balance(client, brand, code) == (7_000, 3_000)
    assert await release_spent_holds(ends + pack.GRACE) >= 1
    assert await balance(client, brand, code) == (10_000, 0)
    assert await release_spent_holds(ends + pack.GRACE) == 0  # nothing left to give back
