"""The sync endpoint against a model of what the server must hold: random batches with repeats, reorders, drops."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.events import EventEntry
from storefront.orders import Order
from tests.conftest import MakeBrand
from tests.events.helpers import level
from tests.events.sync_kit import open_stall, send

Client = httpx.AsyncClient
SALES = 8

batches = st.lists(st.lists(st.integers(min_value=0, max_value=SALES - 1), max_size=10), min_size=1, max_size=6)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=batches, quantities=st.lists(st.integers(min_value=1, max_value=3), min_size=SALES, max_size=SALES))
async def test_random_batches_end_where_the_model_says(
    plan: list[list[int]], quantities: list[int], client: Client, make_brand: MakeBrand
) -> None:
    stall = await open_stall(client, make_brand, units=5)
    sku = stall.shop.other_sku
    journal: list[dict[str, Any]] = [stall.till.sale([(sku, q, 1_000)]) for q in quantities]
    received: set[int] = set()
    for picks in plan:
        response = await send(client, stall, [journal[i] for i in picks])
        assert response.status_code == 200, response.text
        answer = response.json()
        seen_now: set[int] = set()
        for i, result in zip(picks, answer["results"], strict=True):
            fresh = i not in received and i not in seen_now
            assert result["status"] == ("applied" if fresh else "duplicate"), (i, result)
            seen_now.add(i)
        received |= seen_now
        assert answer["acked_seq"] == next(n for n in range(SALES + 1) if n not in received)
        # seq n is journal[n - 1]; acked is the longest run from seq 1
    brand_id = stall.shop.brand.brand.id
    assert await Order.filter(brand_id=brand_id, number__startswith=stall.till.mark).count() == len(received)
    assert await EventEntry.filter(event_id=stall.event["id"]).count() == len(received)
    sold = sum(quantities[i] for i in received)
    assert await level(client, stall.shop, sku, stall.location) == (5 - sold, 0)
