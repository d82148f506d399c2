"""Device marks: drawn at registration, unique by index (a collision is drawn again), shown, and in the pack."""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from tortoise.transactions import in_transaction

from storefront.clock import utcnow
from storefront.errors import Conflict
from storefront.events import devices, pack, tokens
from storefront.events.models import Event, EventDevice
from storefront.events.schemas import DeviceIn
from tests.commerce import open_shop
from tests.conftest import TEST_SECRET, MakeBrand, auth
from tests.events.helpers import new_event, register

Client = httpx.AsyncClient
KEY = tokens.signing_key(TEST_SECRET.reveal())
MARK = re.compile(r"[0-9A-HJKMNP-TV-Z]{6}")
MIGRATION = importlib.import_module("storefront.migrations.0026_event_offer")


def draws(*marks: str) -> Iterator[str]:
    return iter(marks)


async def test_a_registered_device_has_a_mark_it_shows_and_its_pack_carries(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    first = (await register(client, shop, event["id"], key="till-1")).json()
    assert MARK.fullmatch(first["mark"]), first
    again = (await register(client, shop, event["id"], key="till-1")).json()
    assert again["mark"] == first["mark"]  # a retry answers the same device, mark and all
    second = (await register(client, shop, event["id"], name="till 2")).json()
    assert MARK.fullmatch(second["mark"]) and second["mark"] != first["mark"]
    listing = (await client.get(f"/v1/events/{event['id']}/devices", headers=auth(shop.brand.secret_key))).json()
    assert {d["id"]: d["mark"] for d in listing["data"]} == {first["id"]: first["mark"], second["id"]: second["mark"]}
    response = await client.get(f"/v1/events/{event['id']}/pack", headers=auth(first["token"]))
    verified = pack.verify(response.content, first["pack_key"], utcnow(), device_id=uuid.UUID(first["id"]))
    assert verified.device.mark == first["mark"]


async def test_a_mark_already_taken_is_drawn_again(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event, elsewhere = await new_event(client, shop), await new_event(client, await open_shop(client, make_brand))
    brand_id, event_id = shop.brand.brand.id, uuid.UUID(event["id"])
    taken = f"Q{uuid.uuid4().int % 10**5:05d}"  # fresh per run: the session's database is shared
    fresh = f"R{uuid.uuid4().int % 10**5:05d}"
    first = await devices.register(
        brand_id, event_id, DeviceIn(name="till 1"), key=KEY, idempotency_key=None, marks=draws(taken).__next__
    )
    assert first.mark == taken
    marks = draws(taken, taken, fresh)
    second = await devices.register(
        brand_id, event_id, DeviceIn(name="till 2"), key=KEY, idempotency_key="till-2", marks=marks.__next__
    )
    assert second.mark == fresh and second.token is not None
    assert next(marks, None) is None  # drawn three times: two collisions, then a free mark
    # Unique across every event and brand, not only this one's: a source that only ever draws it gives up, in words.
    other_brand = (await Event.get(id=elsewhere["id"])).brand_id
    with pytest.raises(Conflict, match="mark"):
        await devices.register(
            other_brand, uuid.UUID(elsewhere["id"]), DeviceIn(name="t"), key=KEY, idempotency_key=None,
            marks=lambda: taken,
        )  # fmt: skip
    assert await EventDevice.filter(mark=taken).count() == 1


class _RollBack(Exception):
    pass


async def test_the_migration_gives_every_unmarked_device_a_distinct_mark(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand)
    event = await new_event(client, shop)
    ids = [uuid.UUID((await register(client, shop, event["id"], name=f"till {n}")).json()["id"]) for n in range(3)]
    with pytest.raises(_RollBack):
        async with in_transaction() as connection:
            await EventDevice.filter(id__in=ids).using_db(connection).update(mark=None)

            class Editor:
                client = connection

            await MIGRATION.give_marks(None, Editor())
            marks = await EventDevice.filter(id__in=ids).using_db(connection).values_list("mark", flat=True)
            assert len(set(marks)) == 3 and all(MARK.fullmatch(str(m)) for m in marks)
            assert await EventDevice.filter(mark__isnull=True).using_db(connection).count() == 0
            raise _RollBack
