"""The summary's window parameters are instants written out, never numbers (which the schema's date-time forbids)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import MakeBrand, auth

SUMMARY = "/v1/analytics/summary"


@pytest.mark.parametrize(
    "value", ["3.983103596171171e-141", "12", "2026-11-23", "2026-11-23T10:00:00", "2026-02-30T10:00:00Z"]
)
async def test_a_window_edge_that_is_not_an_instant_with_an_offset_is_a_422_naming_it(
    client: httpx.AsyncClient, make_brand: MakeBrand, value: str
) -> None:
    brand = await make_brand()
    response = await client.get(SUMMARY, params={"since": value}, headers=auth(brand.secret_key))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "since" in response.text


async def test_instants_with_an_offset_are_taken_as_written(client: httpx.AsyncClient, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    response = await client.get(
        SUMMARY,
        params={"since": "2026-11-01T00:00:00+01:00", "until": "2026-11-02T06:30:00.5Z"},
        headers=auth(brand.secret_key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert datetime.fromisoformat(body["since"]) == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert datetime.fromisoformat(body["until"]) == datetime(2026, 11, 2, 6, 30, 0, 500_000, tzinfo=UTC)
