"""Keys: issued, rotated and revoked through the API and the CLI; revocation reaches every worker within 1 s.

Two Litestar apps on one database stand in for two workers. The second app's key resolver is
deaf to the first's in-process invalidation, as another process's is, so only the database
(and the resolver's ttl) can tell it that a key was revoked.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar

from storefront.api.models import IdempotencyRecord
from storefront.app import create_app, principal_resolver
from storefront.settings import Settings
from storefront.tenancy import PrincipalResolver, keys_service
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient
ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"\b(?:pk|sk)_[A-Za-z0-9_-]{43}\b")


async def keys_of(client: Client, brand: CreatedBrand) -> list[dict[str, Any]]:
    response = await client.get("/v1/brand/keys", headers=auth(brand.secret_key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def key_id(client: Client, brand: CreatedBrand, text: str) -> str:
    [found] = [k for k in await keys_of(client, brand) if text.startswith(k["prefix"])]
    return found["id"]  # type: ignore[no-any-return]


async def works(client: Client, key: str) -> bool:
    response = await client.get("/v1/products", headers=auth(key))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def test_keys_are_listed_without_their_text(client: Client, brand: CreatedBrand) -> None:
    response = await client.get("/v1/brand/keys", headers=auth(brand.secret_key))
    listed = response.json()
    assert sorted(k["kind"] for k in listed) == ["publishable", "secret"]
    assert all(k["revoked_at"] is None and k["label"] == "default" for k in listed)
    assert {brand.publishable_key[:12], brand.secret_key[:12]} == {k["prefix"] for k in listed}
    assert not KEY.search(response.text) and "hash" not in response.text


async def test_a_publishable_key_cannot_touch_keys(client: Client, brand: CreatedBrand) -> None:
    pk = auth(brand.publishable_key)
    some_id = await key_id(client, brand, brand.secret_key)
    for response in (
        await client.get("/v1/brand/keys", headers=pk),
        await client.post("/v1/brand/keys", json={"kind": "secret"}, headers=pk),
        await client.post(f"/v1/brand/keys/{some_id}/revoke", headers=pk),
        await client.post(f"/v1/brand/keys/{some_id}/rotate", headers=pk),
    ):
        assert response.status_code == 403, response.text
    assert await works(client, brand.secret_key)


async def test_an_issued_key_is_shown_once_and_never_kept(client: Client, brand: CreatedBrand) -> None:
    headers = auth(brand.secret_key, **{"Idempotency-Key": "issue-ci-key"})
    issued = await client.post("/v1/brand/keys", json={"kind": "secret", "label": "CI deploys"}, headers=headers)
    assert issued.status_code == 201, issued.text
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert body["details"]["label"] == "CI deploys" and body["replaces"] is None
    assert await works(client, body["key"])
    # Not kept for a replay either: the key's text never rests in the idempotency table.
    assert not await IdempotencyRecord.filter(brand_id=brand.brand.id, key="issue-ci-key").exists()
    again = await client.post("/v1/brand/keys", json={"kind": "secret", "label": "CI deploys"}, headers=headers)
    assert again.status_code == 201 and again.json()["key"] != body["key"]
    listed = await client.get("/v1/brand/keys", headers=auth(brand.secret_key))
    assert body["key"] not in listed.text and [k["label"] for k in listed.json()].count("CI deploys") == 2


@pytest.mark.parametrize(
    "body", [{"kind": "root"}, {"kind": "secret", "label": "x" * 101}, {"kind": "secret", "label": "a\nb"}, {}]
)
async def test_a_bad_key_request_is_a_422(client: Client, brand: CreatedBrand, body: dict[str, Any]) -> None:
    response = await client.post("/v1/brand/keys", json=body, headers=auth(brand.secret_key))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_rotating_a_key_revokes_it_and_returns_its_successor_once(client: Client, brand: CreatedBrand) -> None:
    old_id = await key_id(client, brand, brand.publishable_key)
    rotated = await client.post(f"/v1/brand/keys/{old_id}/rotate", headers=auth(brand.secret_key))
    assert rotated.status_code == 201, rotated.text
    body = rotated.json()
    assert body["replaces"] == old_id and body["key"].startswith("pk_")
    assert body["details"]["kind"] == "publishable" and body["details"]["label"] == "default"
    assert not await works(client, brand.publishable_key)
    assert await works(client, body["key"])
    again = await client.post(f"/v1/brand/keys/{old_id}/rotate", headers=auth(brand.secret_key))
    assert again.status_code == 409


async def test_revoking_takes_effect_on_the_next_request(
    client: Client, brand: CreatedBrand, make_brand: MakeBrand
) -> None:
    spare = (await client.post("/v1/brand/keys", json={"kind": "secret"}, headers=auth(brand.secret_key))).json()
    assert await works(client, spare["key"])
    target = spare["details"]["id"]
    revoked = await client.post(f"/v1/brand/keys/{target}/revoke", headers=auth(brand.secret_key))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert not await works(client, spare["key"])
    twice = await client.post(f"/v1/brand/keys/{target}/revoke", headers=auth(brand.secret_key))
    assert twice.status_code == 200 and twice.json() == revoked.json()
    other = await make_brand()
    theirs = await client.post(f"/v1/brand/keys/{target}/revoke", headers=auth(other.secret_key))
    assert theirs.status_code == 404


async def test_the_last_secret_key_cannot_be_revoked_even_by_itself(client: Client, brand: CreatedBrand) -> None:
    own, pk = await key_id(client, brand, brand.secret_key), await key_id(client, brand, brand.publishable_key)
    refused = await client.post(f"/v1/brand/keys/{own}/revoke", headers=auth(brand.secret_key))
    assert refused.status_code == 409, refused.text
    assert "last active secret key" in refused.json()["detail"]
    assert await works(client, brand.secret_key)

    successor = (await client.post("/v1/brand/keys", json={"kind": "secret"}, headers=auth(brand.secret_key))).json()
    gone = await client.post(f"/v1/brand/keys/{own}/revoke", headers=auth(brand.secret_key))  # itself, not the last
    assert gone.status_code == 200, gone.text
    assert not await works(client, brand.secret_key)
    last = successor["details"]["id"]
    assert (await client.post(f"/v1/brand/keys/{last}/revoke", headers=auth(successor["key"]))).status_code == 409
    # The publishable key may go: the brand keeps its API, only shoppers' pages lose theirs.
    assert (await client.post(f"/v1/brand/keys/{pk}/revoke", headers=auth(successor["key"]))).status_code == 200


# --- revocation across workers ------------------------------------------------------------------


@pytest.fixture
async def other_worker(database: Settings) -> AsyncIterator[Client]:
    """A second app on the same database whose resolver hears nothing from this process."""
    worker: Litestar = create_app(database, manage_database=False)
    worker.state.principals = PrincipalResolver(ttl=principal_resolver(database).ttl, invalidated_by_this_process=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=worker), base_url="http://worker-2") as http:
        yield http


async def test_a_revocation_in_one_worker_is_refused_by_the_other_within_a_second(
    client: Client, other_worker: Client, brand: CreatedBrand
) -> None:
    spare = (await client.post("/v1/brand/keys", json={"kind": "secret"}, headers=auth(brand.secret_key))).json()
    assert await works(other_worker, spare["key"])  # now in the other worker's cache (on SQLite)
    revoked = await client.post(f"/v1/brand/keys/{spare['details']['id']}/revoke", headers=auth(brand.secret_key))
    assert revoked.status_code == 200
    started = time.monotonic()
    while await works(other_worker, spare["key"]):
        assert time.monotonic() - started < 1.0, "the other worker still takes the revoked key after 1 s"
        await asyncio.sleep(0.02)
    assert time.monotonic() - started < 1.05


async def test_a_cached_key_is_never_used_past_its_ttl(brand: CreatedBrand) -> None:
    now = [0.0]
    resolver = PrincipalResolver(ttl=1.0, clock=lambda: now[0], invalidated_by_this_process=False)
    spare = await keys_service.issue_key(brand.brand.id, "secret")
    assert await resolver.resolve(spare.key) is not None
    await keys_service.revoke_key(brand.brand.id, spare.details.id)
    now[0] = 0.4
    assert await resolver.resolve(spare.key) is not None  # fresh: the cache answers
    now[0] = 0.6
    assert await resolver.resolve(spare.key) is not None  # past half its ttl: answered, refreshed behind
    for _ in range(50):
        await asyncio.sleep(0.01)
        if await resolver.resolve(spare.key) is None:
            break
    assert await resolver.resolve(spare.key) is None  # the refresh saw the revocation

    idle = await keys_service.issue_key(brand.brand.id, "secret")
    assert await resolver.resolve(idle.key) is not None
    await keys_service.revoke_key(brand.brand.id, idle.details.id)
    now[0] += 10  # idle for ten seconds: too old to answer even once, whatever the load
    assert await resolver.resolve(idle.key) is None


# --- the CLI: another process -------------------------------------------------------------------


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "STALLKIT_DATABASE_URL": settings.database_url,
        "STALLKIT_DATA_DIR": settings.data_dir,
        "STALLKIT_SECRET": settings.secret.reveal(),
    }
    return subprocess.run(  # noqa: S603 - our own CLI, fixed argv
        [sys.executable, "-m", "storefront.cli", "brand", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


async def test_the_cli_rotates_lists_and_revokes_keys(client: Client, database: Settings, brand: CreatedBrand) -> None:
    handle = brand.brand.handle
    rotated = await asyncio.to_thread(run_cli, database, "rotate", handle)
    assert rotated.returncode == 0, rotated.stderr
    [new_key] = KEY.findall(rotated.stdout)
    assert new_key.startswith("sk_") and "revoked:" in rotated.stdout and "only once" in rotated.stdout
    # Revoked by another process: this app refuses the old key within its resolver's ttl.
    started = time.monotonic()
    while await works(client, brand.secret_key):
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(0.02)
    assert await works(client, new_key)

    listed = await asyncio.to_thread(run_cli, database, "list", handle)
    assert listed.returncode == 0, listed.stderr
    assert not KEY.search(listed.stdout)
    assert listed.stdout.count("revoked") == 1 and listed.stdout.count("active") == 2

    last = await asyncio.to_thread(run_cli, database, "revoke", handle, new_key[:12])
    assert last.returncode == 2 and "last active secret key" in last.stderr
    assert len(last.stderr.strip().splitlines()) == 1 and "Traceback" not in last.stderr

    kept = await asyncio.to_thread(run_cli, database, "rotate", handle, "--kind", "publishable", "--keep-old")
    assert kept.returncode == 0 and "revoked:" not in kept.stdout
    assert await works(client, brand.publishable_key)
    gone = await asyncio.to_thread(run_cli, database, "revoke", handle, brand.publishable_key[:12])
    assert gone.returncode == 0, gone.stderr


def test_the_settings_of_this_module_are_the_suites() -> None:
    """Guard for the two-worker test: on SQLite the resolver caches (ttl 1 s), on PostgreSQL it does not."""
    sqlite = principal_resolver(Settings(database_url="sqlite://x")).ttl
    postgres = principal_resolver(msgspec.convert({"database_url": "postgres://x@h/db"}, Settings)).ttl
    assert (sqlite, postgres) == (1.0, 0.0)
