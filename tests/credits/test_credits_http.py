"""The credits API through Litestar: issue once, look up with the publishable key, page the ledger, edit the rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from storefront.api.ratelimit import RateLimits
from storefront.clock import utcnow
from storefront.credits import service
from storefront.settings import Settings
from tests.conftest import MakeBrand, auth
from tests.credits.conftest import ACTOR

Client = httpx.AsyncClient


async def post_credit(client: Client, key: str, amount: int = 2500, **extra: Any) -> httpx.Response:
    body = {"amount": {"amount": amount, "currency": "GBP"}, "reason": "a late parcel", **extra}
    return await client.post("/v1/credits", json=body, headers=auth(key, **{"Idempotency-Key": str(uuid.uuid4())}))


async def test_a_credit_is_issued_with_its_code_shown_once(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    expires = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    headers = auth(brand.secret_key, **{"Idempotency-Key": "goodwill-1"})
    body = {"amount": {"amount": 2500, "currency": "GBP"}, "reason": "a late parcel", "expires_at": expires.isoformat()}
    first = await client.post("/v1/credits", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.headers["cache-control"] == "no-store"
    issued = first.json()
    assert issued["code"].startswith("SKC-")
    assert issued["credit"]["balance"] == {"amount": 2500, "currency": "GBP"}
    assert issued["credit"]["status"] == "active"
    assert issued["credit"]["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M:%S"))
    again = await client.post("/v1/credits", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["code"] is None
    assert again.json()["credit"]["id"] == issued["credit"]["id"]
    other = await client.post("/v1/credits", json={**body, "reason": "another"}, headers=headers)
    assert other.status_code == 409


async def test_a_shopper_looks_up_a_code_as_typed(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    code = (await post_credit(client, brand.secret_key)).json()["code"]
    typed = code.lower().replace("-", " ").replace("0", "o")
    found = await client.get(f"/v1/credits/{typed}", headers=auth(brand.publishable_key))
    assert found.status_code == 200, found.text
    assert found.json()["balance"]["amount"] == 2500
    assert found.json()["lots"] == [{"remaining": {"amount": 2500, "currency": "GBP"}, "expires_at": None}]
    other_brand = await make_brand()
    assert (await client.get(f"/v1/credits/{code}", headers=auth(other_brand.secret_key))).status_code == 404


async def test_a_typo_is_a_422_without_a_database_read(
    client: Client, make_brand: MakeBrand, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand = await make_brand()
    code = (await post_credit(client, brand.secret_key)).json()["code"]
    last = code[-1]
    typo = code[:-1] + ("X" if last != "X" else "Y")

    async def no_reads(*_: object, **__: object) -> None:
        raise AssertionError("a code with a bad check symbol reached the database")

    monkeypatch.setattr(service.Credit, "get_or_none", no_reads)
    refused = await client.get(f"/v1/credits/{typo}", headers=auth(brand.publishable_key))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "credit_code_invalid"
    assert problem["errors"] == [{"field": "path.code", "message": problem["detail"]}]
    assert "typing mistake" in problem["detail"]


async def test_an_unknown_code_is_a_404(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    made_up = service.codes.generate()
    answer = await client.get(f"/v1/credits/{made_up}", headers=auth(brand.publishable_key))
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


async def test_the_ledger_is_secret_and_paginated(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    issued = (await post_credit(client, brand.secret_key, amount=1000)).json()
    code, credit_id = issued["code"], uuid.UUID(issued["credit"]["id"])
    now = utcnow()
    for i in range(3):
        await service.hold(brand.brand.id, credit_id, 100, key=f"h{i}", reason="cart", actor=ACTOR, now=now)
    assert (await client.get(f"/v1/credits/{code}/entries", headers=auth(brand.publishable_key))).status_code == 403
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/v1/credits/{code}/entries", params=params, headers=auth(brand.secret_key))).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [e["kind"] for e in seen] == ["issue", "hold", "hold", "hold"]
    assert sum(e["amount"]["amount"] for e in seen) == 700
    assert seen[0]["actor"].startswith("key:")  # issued through the API by the secret key
    assert {e["actor"] for e in seen[1:]} == {ACTOR}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": {"amount": 0, "currency": "GBP"}, "reason": "x"}, "body.amount.amount"),
        ({"amount": {"amount": 100, "currency": "EUR"}, "reason": "x"}, "body.amount.currency"),
        ({"amount": {"amount": 100, "currency": "GBP"}, "reason": ""}, "body.reason"),
        ({"amount": {"amount": 100.5, "currency": "GBP"}, "reason": "x"}, "body.amount.amount"),
        ({"amount": {"amount": 100, "currency": "GBP"}, "reason": "x", "expires_at": "2001-01-01T00:00:00Z"}, None),
    ],
)
async def test_bad_credits_are_422_problems(
    client: Client, make_brand: MakeBrand, body: dict[str, Any], field: str | None
) -> None:
    brand = await make_brand()
    refused = await client.post("/v1/credits", json=body, headers=auth(brand.secret_key))
    assert refused.status_code == 422, refused.text
    assert field is None or field in {e["field"] for e in refused.json()["errors"]}


async def test_trade_in_rules_default_then_edited(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    first = (await client.get("/v1/trade-in-rules", headers=auth(brand.secret_key))).json()
    assert first["is_default"] is True and first["rules"]["currency"] == "GBP"
    rules = {**first["rules"], "other_brand": 700, "new_piece_bonus": 150}
    put = await client.put("/v1/trade-in-rules", json=rules, headers=auth(brand.secret_key))
    assert put.status_code == 200, put.text
    assert put.json()["is_default"] is False and put.json()["rules"]["other_brand"] == 700
    again = await client.put("/v1/trade-in-rules", json={**rules, "other_brand": 650}, headers=auth(brand.secret_key))
    assert again.json()["rules"]["other_brand"] == 650
    worse = {**rules, "grades": {"A": 500, "B": 800, "C": 300, "D": 100}}
    refused = await client.put("/v1/trade-in-rules", json=worse, headers=auth(brand.secret_key))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.grades"
    floaty = await client.put("/v1/trade-in-rules", json={**rules, "other_brand": 0.7}, headers=auth(brand.secret_key))
    assert floaty.status_code == 422
    assert (await client.get("/v1/trade-in-rules", headers=auth(brand.publishable_key))).status_code == 403


async def test_look_ups_are_rate_limited_per_client(app: Litestar, client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    code = (await post_credit(client, brand.secret_key)).json()["code"]
    settings: Settings = app.state["settings"]
    saved = app.state["rate_limits"]
    app.state["rate_limits"] = RateLimits(
        Settings(database_url=settings.database_url, rate_limit_credit_lookups="3/minute")
    )
    try:
        answers = [
            (await client.get(f"/v1/credits/{code}", headers=auth(brand.publishable_key))).status_code for _ in range(4)
        ]
    finally:
        app.state["rate_limits"] = saved
    assert answers == [200, 200, 200, 429]
