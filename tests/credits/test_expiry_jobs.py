"""Expiry runs in every housekeeping pass and from ``stallkit credits expire``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storefront.credits import Credit
from storefront.housekeeping import HousekeepingReport, run_once
from storefront.payments.fake import FakeGateway
from storefront.settings import Settings
from tests.conftest import MakeBrand
from tests.credits.conftest import issue
from tests.test_settings_cli import run_cli

# Before every other row of the session, so the pass's other steps find nothing of anyone else's.
LONG_AGO = datetime(1991, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_housekeeping_pass_expires_due_lots(make_brand: MakeBrand, database: Settings) -> None:
    brand = (await make_brand()).brand.id
    _, credit = await issue(brand, 900, LONG_AGO, expires_at=LONG_AGO + timedelta(hours=1))
    gateway = FakeGateway(namespace=f"credits{uuid.uuid4().hex[:8]}")
    report = await run_once(database, gateway, LONG_AGO + timedelta(hours=2))
    assert report == HousekeepingReport(credit_lots_expired=1)
    assert (await Credit.get(id=credit)).status == "expired"
    assert await run_once(database, gateway, LONG_AGO + timedelta(hours=2)) == HousekeepingReport()


def test_the_cli_expires_credit(tmp_path: Path) -> None:
    env = {"STALLKIT_DATA_DIR": str(tmp_path / "data")}
    assert run_cli("migrate", env=env, cwd=tmp_path).returncode == 0
    result = run_cli("credits", "expire", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"credit_lots_expired": 0}
