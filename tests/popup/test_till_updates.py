"""Prices and credit caps a sync brings reach the next sale, survive a restart, and give way to a newer pack."""

from __future__ import annotations

from pathlib import Path

from popup.till import updates
from storefront.credits import codes
from storefront.events import pack as packs
from storefront.events.journal import PriceUpdate, SyncUpdates
from tests.popup.till_fixtures import BRAND, NOW, make_credit, make_pack, open_app

PIP = {"sku": "MH-PIP-OXB", "quantity": 1}


def test_a_new_stall_price_is_what_the_next_sale_charges(tmp_path: Path) -> None:
    with open_app(tmp_path / "till") as till:
        till.unlocked()
        till.context.apply_updates(SyncUpdates(prices=[PriceUpdate(sku="MH-PIP-OXB", price=3_900)]))
        answer = till.sale([PIP], [{"kind": "cash", "amount": 3_900}])
        assert answer.status_code == 201, answer.text
        assert answer.json()["total"] == 3_900


def test_a_price_for_a_sku_the_stall_does_not_carry_changes_nothing() -> None:
    products = {}  # type: ignore[var-annotated]
    updates.apply(products, {}, {}, SyncUpdates(prices=[PriceUpdate(sku="MH-ELSEWHERE", price=1)]))
    assert products == {}


def test_a_credit_taken_offline_later_pays_and_a_cap_of_zero_takes_it_away(tmp_path: Path) -> None:
    credit = make_credit(2_000)
    lookup = packs.offline_lookup(BRAND, codes.parse(credit.code))
    with open_app(tmp_path / "till") as till:
        till.unlocked()
        pay = [{"kind": "credit", "amount": 2_000, "code": credit.code}, {"kind": "cash", "amount": 2_500}]
        assert till.sale([PIP], pay).status_code == 422  # not in the pack
        till.context.apply_updates(SyncUpdates(credits=[packs.PackCredit(lookup=lookup, cap=2_000, currency="GBP")]))
        assert till.sale([PIP], pay).status_code == 201
        till.context.apply_updates(SyncUpdates(credits=[packs.PackCredit(lookup=lookup, cap=0, currency="GBP")]))
        assert lookup not in till.context.credits


def test_updates_kept_beside_the_pack_survive_a_restart_until_a_newer_pack(tmp_path: Path) -> None:
    data = tmp_path / "till"
    pack = make_pack()
    with open_app(data, pack) as till:
        changes = SyncUpdates(prices=[PriceUpdate(sku="MH-PIP-OXB", price=3_900)])
        till.context.apply_updates(changes)
        updates.save(data, changes)
    with open_app(data, pack) as again:
        assert again.context.products["MH-PIP-OXB"].price == 3_900
    with open_app(data, make_pack(now=NOW.replace(minute=5))) as newer:
        assert newer.context.products["MH-PIP-OXB"].price == 4_500
        assert not (data / updates.UPDATES_FILE).exists()
