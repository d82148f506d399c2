"""The event report and closing the event, over HTTP, after a whole stall day has synced."""

from __future__ import annotations

import httpx

from tests.conftest import MakeBrand, auth
from tests.events.helpers import level, sk
from tests.events.sync_kit import open_stall, synced
from tests.events.test_sync_journal import day

Client = httpx.AsyncClient


async def test_the_report_adds_up_the_day(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(stall)
    await synced(client, stall, journal)
    response = await client.get(f"/v1/events/{stall.event['id']}/report", headers=auth(stall.shop.brand.secret_key))
    assert response.status_code == 200, response.text
    figures = response.json()["figures"]
    # one sale kept (2 x 100.00 less 5.00), one voided; a return of 47.50 refunded as credit
    assert figures["totals"] == {
        "sales": 1, "voided": 1, "gross": 20_000, "discounts": 500, "refunds": 4_750, "net": 14_750,
    }  # fmt: skip
    assert {t["kind"]: (t["paid"], t["refunded"]) for t in figures["payment_mix"]} == {
        "cash": (19_500, 0),
        "credit": (0, 4_750),
    }
    assert figures["trade_ins"] == {"count": 1, "credit_issued": 6_000}
    [stock] = figures["stock"]
    assert (stock["allocated"], stock["sold"], stock["returned"], stock["remaining"]) == (4, 1, 1, 2)
    [device] = figures["devices"]
    assert (device["sales"], device["amount"]) == (1, 14_750)
    [cash] = device["cash_ups"]
    # the float, the first sale's cash and the voided sale's cash kept then handed back
    assert cash["server_expected"] == 5_000 + 19_500
    assert (cash["till_expected"], cash["counted"], cash["difference"]) == (11_000, 10_900, -100)
    assert cash["unexplained"] == 5_000 + 19_500 - 11_000
    assert cash["items"] == []  # every entry arrived and applied: the till itself expected differently
    assert sum(h["sales"] for h in figures["by_hour"]) == 1
    assert response.json()["flags_total"] >= 1


async def test_the_report_page_draws_its_charts(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=4)
    journal, _, _ = day(stall)
    await synced(client, stall, journal)
    page = await client.get(f"/v1/events/{stall.event['id']}/report/page", headers=auth(stall.shop.brand.secret_key))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Sales by hour" in html and "Payment mix" in html and html.count("<svg") >= 3
    assert "£147.50" in html and "short by £1.00" in html
    assert "till and storefront differ by £135.00" in html and "no entry explains it" in html


async def test_closing_returns_unsold_stock_to_its_source_once(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=4)
    shop, sku = stall.shop, stall.shop.other_sku
    await synced(client, stall, [stall.till.sale([(sku, 1, 5_000)])])
    before = await level(client, shop, sku, "warehouse")
    for _ in range(2):
        closed = await client.post(f"/v1/events/{stall.event['id']}/close", headers=sk(shop))
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed"
    assert await level(client, shop, sku, stall.location) == (0, 0)
    assert await level(client, shop, sku, "warehouse") == (before[0] + 3, before[1])


async def test_an_oversold_stall_has_nothing_to_return(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    shop, sku = stall.shop, stall.shop.other_sku
    await synced(client, stall, [stall.till.sale([(sku, 3, 5_000)])])
    before = await level(client, shop, sku, "warehouse")
    assert (await client.post(f"/v1/events/{stall.event['id']}/close", headers=sk(shop))).status_code == 200
    assert await level(client, shop, sku, stall.location) == (-2, 0)
    assert await level(client, shop, sku, "warehouse") == before


async def test_report_and_close_are_the_brands_alone(client: Client, make_brand: MakeBrand) -> None:
    stall = await open_stall(client, make_brand, units=1)
    stranger = await make_brand()
    event = stall.event["id"]
    for path in (f"/v1/events/{event}/report", f"/v1/events/{event}/report/page"):
        assert (await client.get(path, headers=auth(stranger.secret_key))).status_code == 404
        assert (await client.get(path, headers=auth(stall.shop.brand.publishable_key))).status_code in (401, 403)
        assert (await client.get(path, headers=auth(stall.till.token))).status_code == 401
    closing = await client.post(
        f"/v1/events/{event}/close", headers=auth(stranger.secret_key, **{"Idempotency-Key": "k1"})
    )
    assert closing.status_code == 404 and closing.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/events/not-a-uuid/report", headers=auth(stranger.secret_key))).status_code in (
        404,
        422,
    )
