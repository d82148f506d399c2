"""Identical summaries asked at once share one computation; a later one computes afresh and sees newer events."""

from __future__ import annotations

import asyncio

import msgspec

from storefront.analytics import service
from storefront.analytics.schemas import EventBatch, EventIn
from storefront.clock import utcnow
from tests.conftest import MakeBrand


async def test_summaries_asked_at_once_share_one_answer_and_nothing_is_kept_after(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    event = EventIn(type="impression", component="product-page", product="noa", occurred_at=utcnow())
    await service.record_events(brand, EventBatch(events=[event]))
    together = await asyncio.gather(*(service.summary(brand) for _ in range(8)))
    assert all(answer is together[0] for answer in together)  # one computation, one object
    other_page = await asyncio.gather(service.summary(brand), service.summary(brand, limit=5))
    assert other_page[0] is not other_page[1]  # a different question is answered on its own
    added = msgspec.structs.replace(event, type="add_to_cart")
    await service.record_events(brand, EventBatch(events=[added]))
    later = await service.summary(brand)
    assert later is not together[0]
    assert [(g.counts.impression, g.counts.add_to_cart) for g in later.groups] == [(1, 1)]
    assert service._in_flight == {}  # nothing outlives its answer


async def test_a_pinned_clock_always_computes_its_own(make_brand: MakeBrand) -> None:
    brand = (await make_brand()).brand.id
    now = utcnow()
    first, second = await asyncio.gather(service.summary(brand, now=now), service.summary(brand, now=now))
    assert first is not second and first == second
