"""Seven days at the stall with no network: 10,000 sales on the till, none synced, and it still sells.

The sales go through the till's own selling path (the one ``POST /sales`` takes), a day at a time on
a clock that moves on, so the journal, the receipt counter and the stock are what a week of trading
leaves. Then, on the seventh evening: the status says how old the oldest waiting sale is, a sale and
a void still go through over HTTP, receipt numbers never repeat, and every entry is there to sync.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from popup.till import selling
from popup.till.schemas import LineIn, SaleIn, TenderIn
from storefront.clock import FixedClock
from tests.popup.till_fixtures import NOW, PRICES, make_pack, open_app

DAYS = 7
SALES = 10_000


def test_a_week_offline_with_10000_unsynced_sales(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    pack = make_pack(now=NOW, ends_at=NOW + timedelta(days=DAYS), allocation={sku: 5_000 for sku in PRICES})
    rng = random.Random(7)
    skus = sorted(PRICES)
    with open_app(tmp_path / "till", pack, clock=clock) as till:
        for n in range(SALES):
            clock.at = NOW + timedelta(days=DAYS) * n / SALES
            lines = [LineIn(sku=rng.choice(skus), quantity=rng.randint(1, 2)) for _ in range(rng.randint(1, 3))]
            total = sum(PRICES[line.sku] * line.quantity for line in lines)
            if n % 2:
                tender = TenderIn(kind="cash", amount=total + 1_000)
            else:
                tender = TenderIn(kind="card_terminal", amount=total, reference=f"T{n}")
            selling.sell(till.context, SaleIn(lines=lines, tenders=[tender]), "Ada")
        clock.at = NOW + timedelta(days=DAYS, hours=-1)
        till.unlocked()
        status = till.get("/status").json()
        assert status["pending"] == SALES
        assert status["oldest_pending_age_seconds"] >= (DAYS - 1) * 86_400
        answer = till.sale([{"sku": skus[0], "quantity": 1}], [{"kind": "cash", "amount": PRICES[skus[0]]}])
        assert answer.status_code == 201, answer.text
        assert answer.json()["number"].endswith(f"{SALES + 1:05d}")
        voided = till.post(f"/sales/{answer.json()['id']}/void", {"reason": "wrong bag"})
        assert voided.status_code == 201, voided.text
        entries = till.context.store.pending(SALES + 10)
        assert len(entries) == SALES + 2
        assert [e.seq for e in entries] == list(range(1, SALES + 3))
        numbers = [json.loads(e.payload)["number"] for e in entries if e.kind == "sale"]
        assert len(set(numbers)) == len(numbers) == SALES + 1
