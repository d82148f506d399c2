"""Hostile sync requests: someone else's device, event or brand, a revoked token, malformed batches: 4xx, never 500."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from popup.store.entries import content_hash
from storefront.events import EventEntry
from storefront.events.journal import MAX_BATCH, CashUp
from tests.conftest import MakeBrand, auth
from tests.events.helpers import sk
from tests.events.sync_kit import open_stall, send

Client = httpx.AsyncClient


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()  # type: ignore[no-any-return]


async def test_only_the_devices_own_token_for_its_own_event_and_journal(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=2, devices=2)
    other = await open_stall(client, make_brand, units=2)
    a, b = stall.tills
    sale = a.sale([(stall.shop.other_sku, 1, 1_000)])
    path = f"/v1/events/{stall.event['id']}/sync"
    body = {"device_id": a.device_id, "entries": [sale]}
    problem(await client.post(path, json=body), 401)
    problem(await client.post(path, json=body, headers=auth("sk_dev_" + "x" * 43)), 401)
    problem(await client.post(path, json=body, headers=sk(stall.shop)), 403)  # the brand's secret key is no device
    problem(await client.post(path, json=body, headers=auth(stall.shop.brand.publishable_key)), 403)
    # b's token sending a's journal
    problem(await send(client, stall, [sale], b, device_id=a.device_id), 403)
    # a device of another brand's event, at this event's path
    wrong = await client.post(
        path, json={"device_id": other.till.device_id, "entries": [sale]}, headers=auth(other.till.token)
    )
    problem(wrong, 404)
    unknown = await client.post(f"/v1/events/{uuid.uuid4()}/sync", json=body, headers=auth(a.token))
    problem(unknown, 404)
    assert not await EventEntry.filter(id=sale["id"]).exists()
    revoked = await client.delete(f"/v1/events/{stall.event['id']}/devices/{a.device_id}", headers=sk(stall.shop))
    assert revoked.status_code == 204, revoked.text
    problem(await send(client, stall, [sale], a), 401)
    assert not await EventEntry.filter(id=sale["id"]).exists()


async def test_another_event_of_the_same_brand_is_not_found(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    from tests.events.helpers import new_event

    second = await new_event(client, stall.shop)
    sale = stall.till.sale([(stall.shop.other_sku, 1, 1_000)])
    response = await client.post(
        f"/v1/events/{second['id']}/sync",
        json={"device_id": stall.till.device_id, "entries": [sale]},
        headers=auth(stall.till.token),
    )
    problem(response, 404)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda b, e: b.update(extra=1), id="unknown field in the request"),
        pytest.param(lambda b, e: e.update(extra=1), id="unknown field in an entry"),
        pytest.param(lambda b, e: e.update(seq=0), id="seq zero"),
        pytest.param(lambda b, e: e.update(seq="1"), id="seq as text"),
        pytest.param(lambda b, e: e.update(seq=2**63), id="seq past int64"),
        pytest.param(lambda b, e: e.update(seq=10**30), id="seq far past int64"),
        pytest.param(lambda b, e: e.update(id="not-a-uuid"), id="bad id"),
        pytest.param(lambda b, e: e.update(occurred_at="2026-12-12T10:00:00"), id="naive instant"),
        pytest.param(lambda b, e: e.update(content_hash="A" * 64), id="hash not lower hex"),
        pytest.param(lambda b, e: e.update(content_hash="a" * 64 + "\n"), id="hash with a newline"),
        pytest.param(lambda b, e: e.update(kind=""), id="empty kind"),
        pytest.param(lambda b, e: e.update(payload=None), id="payload null"),
        pytest.param(lambda b, e: b.update(device_id=None), id="device null"),
        pytest.param(lambda b, e: b.update(entries={}), id="entries not a list"),
        pytest.param(lambda b, e: b.pop("entries"), id="entries missing"),
    ],
)
async def test_malformed_batches_are_refused_whole(client: Client, make_brand: MakeBrand, mutate: Any) -> None:
    stall = await open_stall(client, make_brand, units=1)
    entry = stall.till.sale([(stall.shop.other_sku, 1, 1_000)])
    body: dict[str, Any] = {"device_id": stall.till.device_id, "entries": [entry]}
    mutate(body, entry)
    response = await client.post(f"/v1/events/{stall.event['id']}/sync", json=body, headers=auth(stall.till.token))
    assert 400 <= response.status_code < 500, response.text
    assert not await EventEntry.filter(event_id=stall.event["id"]).exists()


async def test_more_than_a_batch_is_refused(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    entries = [stall.till.sale([(stall.shop.other_sku, 1, 1_000)]) for _ in range(MAX_BATCH + 1)]
    problem(await send(client, stall, entries), 422)
    assert not await EventEntry.filter(event_id=stall.event["id"]).exists()


async def test_not_json_and_a_hostile_payload_text(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    path = f"/v1/events/{stall.event['id']}/sync"
    raw = await client.post(
        path, content=b"\xff{", headers={**auth(stall.till.token), "content-type": "application/json"}
    )
    assert 400 <= raw.status_code < 500
    # payloads that are not JSON, deep nesting, NUL, huge numbers: received as conflicts, never a 500
    till = stall.till
    texts = ["not json", "[" * 5000 + "]" * 5000, '{"number": "\\u0000"}', '{"total": 1e400}', "{}"]
    entries = []
    for text in texts:
        entry = till.entry("sale", CashUp(currency="GBP", opening_float=0, expected=0, counted=0, staff="Ada"))
        entry.update(payload=text, content_hash=content_hash(text))
        entries.append(entry)
    answer = await send(client, stall, entries)
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["conflict"] * len(texts)


async def test_an_idempotency_key_is_accepted_and_the_entries_still_decide(
    client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=2)
    sale = stall.till.sale([(stall.shop.other_sku, 1, 1_000)])
    path = f"/v1/events/{stall.event['id']}/sync"
    headers = auth(stall.till.token, **{"Idempotency-Key": "sync-1"})
    first = await client.post(path, json={"device_id": stall.till.device_id, "entries": [sale]}, headers=headers)
    second = await client.post(path, json={"device_id": stall.till.device_id, "entries": [sale]}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert [r["status"] for r in first.json()["results"]] == ["applied"]
    assert [r["status"] for r in second.json()["results"]] == ["duplicate"]
