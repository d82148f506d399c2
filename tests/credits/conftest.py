"""Credits test helpers: a brand's credit issued through the service, with the clock passed in."""

from __future__ import annotations

import uuid
from datetime import datetime

from storefront.credits import Movement, codes, service
from storefront.money import Money
from tests.conftest import TEST_SECRET

KEY = codes.hashing_key(TEST_SECRET.reveal())  # what the app hashes codes with in the test settings
ACTOR = "staff:test"


async def issue(
    brand_id: uuid.UUID, amount: int, now: datetime, *, expires_at: datetime | None = None, key: str | None = None
) -> tuple[str, uuid.UUID]:
    code, credit, _ = await service.issue(
        brand_id,
        Money(amount=amount, currency="GBP"),
        key=key or f"test:{uuid.uuid4()}",
        reason="goodwill",
        actor=ACTOR,
        code_key=KEY,
        now=now,
        expires_at=expires_at,
    )
    assert code is not None
    return code, credit.id


async def refill(
    brand_id: uuid.UUID, credit_id: uuid.UUID, amount: int, now: datetime, expires_at: datetime | None
) -> Movement:
    """Another lot on the same credit, by a staff adjustment."""
    return await service.adjust(
        brand_id,
        credit_id,
        amount,
        key=f"test:{uuid.uuid4()}",
        reason="top-up",
        actor=ACTOR,
        now=now,
        expires_at=expires_at,
    )
