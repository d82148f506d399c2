"""Trade-ins: the state machine, the service's steps (idempotent, locked, one credit), photos and the HTTP edge."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.credits import CreditEntry, TradeIn, TradeInStep, service, trade_in_rules, trade_ins
from storefront.credits.trade_in_photos import MAX_PHOTO_BYTES, MAX_PHOTOS, declared_type, sniff
from storefront.credits.trade_in_schemas import BagDimensions, TradeInIn
from storefront.credits.trade_in_states import NEXT, STATUSES, Status, can_step, check_step
from storefront.credits.valuation import ValuationRules, default_rules
from storefront.errors import Conflict, InvalidInput, NotFound
from storefront.storage import LocalStorage, MediaNotFound, StorageKeyInvalid
from tests.commerce import open_shop
from tests.conftest import MakeBrand, auth
from tests.credits.conftest import KEY

Client = httpx.AsyncClient
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STAFF = "key:staff"


def png(width: int = 1, height: int = 1, seed: int = 0) -> bytes:
    """A real PNG (greyscale), different bytes for each seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([(seed + x) % 256 for x in range(width)]) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////"
    "////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"


def body() -> dict[str, Any]:
    return {"category": "tote", "size_class": "standard", "material": "calfskin", "condition": "B", "own_brand": True}


def data(**extra: Any) -> TradeInIn:
    return msgspec.convert({**body(), **extra}, TradeInIn)


# --- the state machine (pure) -------------------------------------------------------------------


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("to", STATUSES)
def test_every_step_is_allowed_or_a_409_naming_the_status(current: Status, to: Status) -> None:
    if to in NEXT[current]:
        check_step(current, to)
        return
    with pytest.raises(Conflict) as refused:
        check_step(current, to)
    assert refused.value.extensions == {"trade_in_status": current}
    assert f"is {current}" in refused.value.detail and refused.value.errors[0].field == "status"


@given(st.lists(st.sampled_from(STATUSES), max_size=12))
def test_a_walk_of_legal_steps_never_leaves_a_final_status(walk: list[Status]) -> None:
    """From quoted, only legal steps are taken; once returned or listed, none is."""
    status: Status = "quoted"
    credited = False
    for to in walk:
        if not can_step(status, to):
            continue
        credited = credited or to == "accepted"
        status = to
    assert status in STATUSES
    assert not credited or status in ("accepted", "listed")  # an accepted bag is never returned or rejected
    assert NEXT["returned"] == NEXT["listed"] == frozenset()


def test_photo_types_are_read_from_the_bytes() -> None:
    assert (sniff(png()), sniff(JPEG), sniff(WEBP), sniff(GIF), sniff(b"")) == (
        "image/png",
        "image/jpeg",
        "image/webp",
        None,
        None,
    )
    assert declared_type("Image/PNG; charset=binary") == "image/png"
    assert declared_type("image/gif") is None


async def test_local_storage_keeps_bytes_and_refuses_keys_that_leave_its_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    await storage.put("trade-ins/a1/b2.png", b"bytes", "image/png")
    assert await storage.get("trade-ins/a1/b2.png") == b"bytes"
    await storage.delete("trade-ins/a1/b2.png")
    with pytest.raises(MediaNotFound):
        await storage.get("trade-ins/a1/b2.png")
    for key in ("../escape", "/etc/passwd", "a/../../b", "a//b", "A.png", "a\x00b", "", "a/.hidden"):
        with pytest.raises(StorageKeyInvalid):
            await storage.put(key, b"x", "image/png")
    assert not (tmp_path / "escape").exists()


# --- the service --------------------------------------------------------------------------------


async def test_an_estimate_from_dimensions_is_quoted_line_by_line(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    dims = BagDimensions(length_mm=300, width_mm=120, height_mm=250)
    started = await trade_ins.start_trade_in(
        brand, msgspec.structs.replace(data(size_class=None), size_class=None, dimensions=dims), actor=STAFF, now=NOW
    )
    assert started.status == "quoted" and started.size_class == "standard"
    assert started.quote == started.first_quote and started.quote_change is None
    assert started.quote.amount.amount == 2800  # 35.00 standard, B at 80%
    assert sum(line.amount.amount for line in started.quote.lines) == 2800
    assert started.quote.valid_until == NOW + timedelta(days=14)
    assert [(s.from_status, s.to_status, s.actor, s.at) for s in started.steps] == [(None, "quoted", STAFF, NOW)]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"dimensions": {"length_mm": 300, "width_mm": 100, "height_mm": 100}}, "body.size_class"),
        ({"size_class": None}, "body.size_class"),
        ({"own_brand": False, "product": "noa-tote"}, "body.product"),
        ({"product": "no-such-bag"}, "body.product"),
    ],
)
async def test_an_estimate_that_does_not_add_up_is_a_422_naming_the_field(
    make_brand: MakeBrand, extra: dict[str, Any], field: str
) -> None:
    brand = (await make_brand()).brand.id
    with pytest.raises(InvalidInput) as refused:
        await trade_ins.start_trade_in(brand, data(**extra), actor=STAFF, now=NOW)
    assert [e.field for e in refused.value.errors] == [field]
    assert not await TradeIn.exists(brand_id=brand)


async def test_the_whole_lifecycle_records_every_step_and_issues_the_credit_once(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    started = await trade_ins.start_trade_in(brand, data(), actor="key:shopper", now=NOW)
    tid = started.id
    at = [NOW + timedelta(hours=h) for h in range(1, 5)]
    received = await trade_ins.receive(brand, tid, actor=STAFF, now=at[0])
    assert received.status == "received"
    assert (await trade_ins.receive(brand, tid, actor=STAFF, now=at[1])).steps == received.steps  # a retry
    inspected = await trade_ins.inspect(brand, tid, "C", "visible wear on the corners", actor=STAFF, now=at[1])
    assert inspected.status == "inspected" and inspected.condition == "C" and inspected.quoted_condition == "B"
    assert inspected.first_quote.amount.amount == 2800
    assert inspected.quote.amount.amount == 1925  # 35.00 at 55%
    assert inspected.quote.valid_until == at[1] + timedelta(days=14)
    assert inspected.quote_change == "Graded C at inspection (visible wear), quoted as B"
    again = await trade_ins.inspect(brand, tid, "C", "visible wear on the corners", actor=STAFF, now=at[2])
    assert again == inspected  # the same inspection retried writes nothing

    accepted = await trade_ins.accept(brand, tid, actor=STAFF, now=at[2], code_key=KEY)
    assert accepted.credit.code is not None
    assert accepted.credit.balance.amount == 1925
    assert accepted.credit.expires_at == at[2] + timedelta(days=730)
    assert accepted.trade_in.status == "accepted"
    assert accepted.trade_in.credit is not None and accepted.trade_in.credit.amount.amount == 1925
    looked_up = await service.look_up(brand, accepted.credit.code, KEY, at[3])
    assert looked_up.balance.amount == 1925 and looked_up.id == accepted.trade_in.credit.id

    replay = await trade_ins.accept(brand, tid, actor=STAFF, now=at[3], code_key=KEY)
    assert replay.credit.code is None and replay.trade_in == accepted.trade_in
    steps = accepted.trade_in.steps
    assert [(s.from_status, s.to_status, s.actor) for s in steps] == [
        (None, "quoted", "key:shopper"),
        ("quoted", "received", STAFF),
        ("received", "inspected", STAFF),
        ("inspected", "accepted", STAFF),
    ]
    assert steps[2].note == "visible wear on the corners" and steps[2].condition == "C"
    assert steps[3].quote is not None and steps[3].quote.amount.amount == 1925
    entries = await CreditEntry.filter(brand_id=brand, idempotency_key=f"trade-in:{tid}")
    assert len(entries) == 1 and entries[0].reason == f"trade-in {tid}"

    with pytest.raises(Conflict) as refused:
        await trade_ins.return_bag(brand, tid, actor=STAFF, now=at[3])
    assert refused.value.extensions == {"trade_in_status": "accepted"}


async def test_racing_accepts_issue_exactly_one_credit(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    tid = (await trade_ins.start_trade_in(brand, data(), actor=STAFF, now=NOW)).id
    await trade_ins.receive(brand, tid, actor=STAFF, now=NOW)
    await trade_ins.inspect(brand, tid, "A", "", actor=STAFF, now=NOW)
    answers = await asyncio.gather(
        *(trade_ins.accept(brand, tid, actor=STAFF, now=NOW, code_key=KEY) for _ in range(6))
    )
    assert sum(answer.credit.code is not None for answer in answers) == 1
    assert len({answer.trade_in.credit.id for answer in answers if answer.trade_in.credit}) == 1
    assert await CreditEntry.filter(brand_id=brand, idempotency_key=f"trade-in:{tid}").count() == 1
    assert await TradeInStep.filter(trade_in_id=tid, to_status="accepted").count() == 1


async def test_rules_without_credit_expiry_issue_a_credit_that_never_expires(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    rules = msgspec.structs.replace(default_rules("GBP"), credit_valid_days=None)
    await trade_in_rules.put_trade_in_rules(brand, rules)
    tid = (await trade_ins.start_trade_in(brand, data(), actor=STAFF, now=NOW)).id
    await trade_ins.receive(brand, tid, actor=STAFF, now=NOW)
    await trade_ins.inspect(brand, tid, "B", "", actor=STAFF, now=NOW)
    accepted = await trade_ins.accept(brand, tid, actor=STAFF, now=NOW, code_key=KEY)
    assert accepted.credit.expires_at is None and accepted.credit.balance.amount == 2800


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_credit_validity_is_bounded_or_null(days: int) -> None:
    rules = msgspec.to_builtins(default_rules("GBP"))
    assert rules["credit_valid_days"] == 730
    assert msgspec.convert({**rules, "credit_valid_days": None}, ValuationRules).credit_valid_days is None
    with pytest.raises(msgspec.ValidationError, match="credit_valid_days"):
        msgspec.convert({**rules, "credit_valid_days": days}, ValuationRules)


async def test_an_expired_quote_is_inspected_again_before_it_is_accepted(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    tid = (await trade_ins.start_trade_in(brand, data(), actor=STAFF, now=NOW)).id
    await trade_ins.receive(brand, tid, actor=STAFF, now=NOW)
    await trade_ins.inspect(brand, tid, "B", "", actor=STAFF, now=NOW)
    late = NOW + timedelta(days=15)
    with pytest.raises(Conflict) as refused:
        await trade_ins.accept(brand, tid, actor=STAFF, now=late, code_key=KEY)
    assert refused.value.errors[0].field == "quote.valid_until"
    fresh = await trade_ins.inspect(brand, tid, "B", "quoted again", actor=STAFF, now=late)
    assert fresh.quote.valid_until == late + timedelta(days=14) and fresh.quote_change is None
    assert (await trade_ins.accept(brand, tid, actor=STAFF, now=late, code_key=KEY)).credit.code


async def test_a_rejected_bag_goes_back_and_steps_out_of_order_are_409(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    tid = (await trade_ins.start_trade_in(brand, data(), actor=STAFF, now=NOW)).id
    for step in (
        trade_ins.accept(brand, tid, actor=STAFF, now=NOW, code_key=KEY),
        trade_ins.inspect(brand, tid, "A", "", actor=STAFF, now=NOW),
        trade_ins.reject(brand, tid, "counterfeit", actor=STAFF, now=NOW),
    ):
        with pytest.raises(Conflict) as refused:
            await step
        assert refused.value.extensions == {"trade_in_status": "quoted"}
    await trade_ins.receive(brand, tid, actor=STAFF, now=NOW)
    await trade_ins.inspect(brand, tid, "D", "strap torn", actor=STAFF, now=NOW)
    rejected = await trade_ins.reject(brand, tid, "counterfeit", actor=STAFF, now=NOW)
    assert rejected.status == "rejected" and rejected.steps[-1].note == "counterfeit"
    assert await trade_ins.reject(brand, tid, "counterfeit", actor=STAFF, now=NOW) == rejected
    with pytest.raises(Conflict):
        await trade_ins.reject(brand, tid, "something else", actor=STAFF, now=NOW)
    returned = await trade_ins.return_bag(brand, tid, actor=STAFF, now=NOW)
    assert returned.status == "returned" and returned.credit is None
    assert await trade_ins.return_bag(brand, tid, actor=STAFF, now=NOW) == returned
    assert not await CreditEntry.filter(brand_id=brand).exists()


async def test_the_shopper_may_take_a_quoted_bag_back(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    tid = (await trade_ins.start_trade_in(brand, data(), actor=STAFF, now=NOW)).id
    assert (await trade_ins.return_bag(brand, tid, actor=STAFF, now=NOW)).status == "returned"
    with pytest.raises(Conflict):
        await trade_ins.receive(brand, tid, actor=STAFF, now=NOW)


async def test_another_brands_trade_in_is_not_found(make_brand: MakeBrand) -> None:
    mine, theirs = (await make_brand()).brand.id, (await make_brand()).brand.id
    tid = (await trade_ins.start_trade_in(mine, data(), actor=STAFF, now=NOW)).id
    with pytest.raises(NotFound):
        await trade_ins.get_trade_in(theirs, tid)
    with pytest.raises(NotFound):
        await trade_ins.receive(theirs, tid, actor=STAFF, now=NOW)
    assert (await trade_ins.get_trade_in(mine, tid)).status == "quoted"


# --- HTTP ---------------------------------------------------------------------------------------


def keyed(key: str) -> dict[str, str]:
    return auth(key, **{"Idempotency-Key": str(uuid.uuid4())})


async def started(client: Client, key: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/v1/trade-ins", json={**body(), **extra}, headers=keyed(key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def step(client: Client, key: str, tid: str, name: str, json: Any = None) -> httpx.Response:
    return await client.post(f"/v1/trade-ins/{tid}/{name}", json=json, headers=keyed(key))


async def test_a_shopper_estimates_and_staff_take_it_to_credit(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    pk, sk = brand.publishable_key, brand.secret_key
    estimate = await started(client, pk, email="ada@example.com", description="my old tote\nwith a scuff")
    tid = estimate["id"]
    assert estimate["status"] == "quoted" and estimate["quote"]["amount"] == {"amount": 2800, "currency": "GBP"}
    assert [line["rule"] for line in estimate["quote"]["lines"]] == ["base", "condition", "material", "brand"]
    assert estimate["steps"][0]["actor"].startswith("key:")
    read = await client.get(f"/v1/trade-ins/{tid}", headers=auth(pk))
    assert read.status_code == 200 and read.json()["email"] == "ada@example.com"

    refused = await step(client, pk, tid, "receive")
    assert refused.status_code == 403
    assert (await step(client, sk, tid, "receive")).status_code == 200
    inspected = await step(client, sk, tid, "inspect", {"condition": "C", "notes": "visible wear"})
    assert inspected.status_code == 200, inspected.text
    assert inspected.json()["quote_change"] == "Graded C at inspection (visible wear), quoted as B"

    headers = auth(sk, **{"Idempotency-Key": "accept-1"})
    accepted = await client.post(f"/v1/trade-ins/{tid}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["cache-control"] == "no-store"
    credit = accepted.json()["credit"]
    assert credit["code"].startswith("SKC-") and credit["balance"] == {"amount": 1925, "currency": "GBP"}
    again = await client.post(f"/v1/trade-ins/{tid}/accept", headers=headers)
    assert again.status_code == 200 and again.json()["credit"]["code"] is None
    assert again.json()["trade_in"] == accepted.json()["trade_in"]
    found = await client.get(f"/v1/credits/{credit['code']}", headers=auth(pk))
    assert found.json()["balance"]["amount"] == 1925

    returned = await step(client, sk, tid, "return")
    assert returned.status_code == 409
    problem = returned.json()
    assert problem["status"] == 409 and problem["trade_in_status"] == "accepted"
    assert problem["errors"] == [{"field": "status", "message": "is accepted"}]
    assert "accepted" in problem["detail"]


async def test_steps_refuse_bad_input_and_other_brands(client: Client, make_brand: MakeBrand) -> None:
    brand, other = await make_brand(), await make_brand()
    sk = brand.secret_key
    bad = await client.post("/v1/trade-ins", json={**body(), "condition": "E"}, headers=keyed(sk))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.condition"
    both = {**body(), "dimensions": {"length_mm": 10, "width_mm": 10, "height_mm": 10}}
    refused = await client.post("/v1/trade-ins", json=both, headers=keyed(sk))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.size_class"
    unknown = await client.post("/v1/trade-ins", json={**body(), "colour": "red"}, headers=keyed(sk))
    assert unknown.status_code == 422
    tid = (await started(client, sk))["id"]
    await step(client, sk, tid, "receive")
    for name, json in (("inspect", {"condition": "Z"}), ("inspect", {}), ("reject", {"reason": ""})):
        response = await step(client, sk, tid, name, json)
        assert response.status_code == 422, (name, json, response.text)
    assert (await step(client, sk, tid, "accept")).status_code == 409  # received, not inspected
    for name in ("receive", "accept", "return"):
        assert (await step(client, other.secret_key, tid, name)).status_code == 404
    assert (await client.get(f"/v1/trade-ins/{tid}", headers=auth(other.publishable_key))).status_code == 404
    assert (await client.get(f"/v1/trade-ins/{uuid.uuid4()}", headers=auth(sk))).status_code == 404
    assert (await client.get("/v1/trade-ins/not-an-id", headers=auth(sk))).status_code in (400, 404, 422)


async def test_the_queue_pages_by_status(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    sk = brand.secret_key
    ids = [(await started(client, sk))["id"] for _ in range(3)]
    await step(client, sk, ids[1], "receive")
    page = await client.get("/v1/trade-ins", params={"limit": 2}, headers=auth(sk))
    assert page.status_code == 200 and page.json()["has_more"] is True
    rest = await client.get(
        "/v1/trade-ins", params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=auth(sk)
    )
    seen = [t["id"] for t in page.json()["data"] + rest.json()["data"]]
    assert sorted(seen) == sorted(ids) and rest.json()["has_more"] is False
    received = await client.get("/v1/trade-ins", params={"status": "received"}, headers=auth(sk))
    assert [t["id"] for t in received.json()["data"]] == [ids[1]]
    assert received.json()["data"][0]["quote"] == {"amount": 2800, "currency": "GBP"}
    assert (await client.get("/v1/trade-ins", params={"status": "lost"}, headers=auth(sk))).status_code == 422
    assert (await client.get("/v1/trade-ins", headers=auth(brand.publishable_key))).status_code == 403


async def upload(client: Client, key: str, tid: str, content: bytes, content_type: str) -> httpx.Response:
    return await client.post(
        f"/v1/trade-ins/{tid}/photos", content=content, headers=auth(key, **{"Content-Type": content_type})
    )


async def test_photos_are_kept_served_and_checked(client: Client, make_brand: MakeBrand) -> None:
    brand, other = await make_brand(), await make_brand()
    pk, sk = brand.publishable_key, brand.secret_key
    tid = (await started(client, pk))["id"]
    added = await upload(client, pk, tid, png(seed=1), "image/png")
    assert added.status_code == 201, added.text
    photo = added.json()
    assert photo["content_type"] == "image/png" and photo["bytes"] == len(png(seed=1))
    served = await client.get(photo["href"], headers=auth(pk))
    assert served.status_code == 200 and served.content == png(seed=1)
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert (await upload(client, pk, tid, png(seed=1), "image/png")).json()["id"] == photo["id"]  # same bytes
    assert (await upload(client, pk, tid, JPEG, "image/jpeg")).status_code == 201
    untyped = await upload(client, pk, tid, WEBP, "application/octet-stream")  # as a generated client sends it
    assert untyped.status_code == 201 and untyped.json()["content_type"] == "image/webp"

    wrong_type = await upload(client, pk, tid, png(seed=2), "text/plain")
    assert wrong_type.status_code == 415 and "image/jpeg" in wrong_type.json()["detail"]
    gif = await upload(client, pk, tid, GIF, "image/png")
    assert gif.status_code == 415
    mislabelled = await upload(client, pk, tid, png(seed=2), "image/jpeg")
    assert mislabelled.status_code == 422
    assert mislabelled.json()["errors"] == [{"field": "header.content-type", "message": mislabelled.json()["detail"]}]
    empty = await upload(client, pk, tid, b"", "image/png")
    assert empty.status_code == 422
    huge = await upload(client, pk, tid, b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_PHOTO_BYTES, "image/png")
    assert huge.status_code == 413 and "5 MB" in huge.json()["detail"]

    await step(client, sk, tid, "receive")
    late = await upload(client, pk, tid, png(seed=3), "image/png")
    assert late.status_code == 409 and late.json()["errors"] == [{"field": "status", "message": "is received"}]
    for seed in range(3, 3 + MAX_PHOTOS - 3):
        assert (await upload(client, sk, tid, png(seed=seed), "image/png")).status_code == 201
    too_many = await upload(client, sk, tid, png(seed=99), "image/png")
    assert too_many.status_code == 422 and "at most 6" in too_many.json()["detail"]
    trade_in = (await client.get(f"/v1/trade-ins/{tid}", headers=auth(sk))).json()
    assert len(trade_in["photos"]) == MAX_PHOTOS

    assert (await client.get(photo["href"], headers=auth(other.secret_key))).status_code == 404
    assert (await upload(client, other.secret_key, tid, png(seed=5), "image/png")).status_code == 404
    elsewhere = f"/v1/trade-ins/{(await started(client, sk))['id']}/photos/{photo['id']}"
    assert (await client.get(elsewhere, headers=auth(sk))).status_code == 404


async def test_an_accepted_bag_is_listed_as_refurbished_stock_once(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    sk = shop.brand.secret_key
    tid = (await started(client, sk, product=shop.product))["id"]
    listing = {"product": shop.product, "sku": "REF-TOTE-1", "price": {"amount": 9000, "currency": "GBP"}}
    listing["location"] = "market-street"
    early = await step(client, sk, tid, "list", listing)
    assert early.status_code == 409 and early.json()["trade_in_status"] == "quoted"
    await step(client, sk, tid, "receive")
    await step(client, sk, tid, "inspect", {"condition": "A", "notes": ""})
    assert (await step(client, sk, tid, "accept")).status_code == 200

    listed = await step(client, sk, tid, "list", listing)
    assert listed.status_code == 200, listed.text
    answer = listed.json()
    assert answer["trade_in"]["status"] == "listed" and answer["trade_in"]["listed_sku"] == "REF-TOTE-1"
    assert answer["listing"]["sku"] == "REF-TOTE-1" and answer["listing"]["on_hand"] == 1
    assert answer["trade_in"]["steps"][-1]["from_status"] == "accepted"
    again = await step(client, sk, tid, "list", listing)
    assert again.status_code == 200 and again.json() == answer
    other_sku = await step(client, sk, tid, "list", {**listing, "sku": "REF-TOTE-2"})
    assert other_sku.status_code == 409
    steps = (await client.get(f"/v1/trade-ins/{tid}", headers=auth(sk))).json()["steps"]
    assert [s["to_status"] for s in steps].count("listed") == 1
    product = (await client.get(f"/v1/products/{shop.product}", headers=auth(sk))).json()
    assert "REF-TOTE-1" in [v["sku"] for v in product["variants"]]


async def test_a_photo_over_the_app_body_limit_uploads_with_an_idempotency_key(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand()
    tid = (await started(client, brand.publishable_key))["id"]
    photo = png(seed=9) + os.urandom(2 * 1024 * 1024)  # 2 MB: over the app's 1 MB, under a photo's 5 MB
    headers = auth(brand.secret_key, **{"Content-Type": "image/png", "Idempotency-Key": "photo-9"})
    first = await client.post(f"/v1/trade-ins/{tid}/photos", content=photo, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(f"/v1/trade-ins/{tid}/photos", content=photo, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
