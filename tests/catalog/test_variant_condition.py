"""A variant's condition (new, or a second-hand grade A-D with its repairs) and provenance kept for one variant."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import MakeBrand, auth
from tests.factories import product_body

Client = httpx.AsyncClient


def _variant(product: dict[str, Any], sku: str) -> dict[str, Any]:
    return next(v for v in product["variants"] if v["sku"] == sku)


def _fields(response: httpx.Response) -> list[str]:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


async def test_condition_is_written_with_the_product_and_read_back(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    body = product_body(title="Cora Backpack")
    body["variants"][1] |= {"condition": "B", "condition_note": "New strap, edges repainted"}
    created = await client.post("/v1/products", json=body, headers=auth(brand.secret_key))
    assert created.status_code == 201, created.text

    read = await client.get("/v1/products/cora-backpack", headers=auth(brand.publishable_key))
    tan, black = (_variant(read.json(), v["sku"]) for v in body["variants"])
    assert (tan["condition"], tan["condition_note"], tan["refurbished"]) == ("new", "", False)
    assert (black["condition"], black["condition_note"]) == ("B", "New strap, edges repainted")
    assert black["refurbished"] is False  # graded by hand, not listed from a trade-in
    assert "refurbished_from" not in black  # a trade-in's id is its shopper's capability: never shown


async def test_condition_is_added_changed_and_cleared_on_a_variant(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    await client.post("/v1/products", json=product_body(title="Cleo Backpack"), headers=auth(brand.secret_key))
    added = await client.post(
        "/v1/products/cleo-backpack/variants",
        json={
            "sku": "CLEO-USED",
            "title": "Second life",
            "price": {"amount": 8_000, "currency": "GBP"},
            "condition": "C",
            "condition_note": "Scuffed corners",
        },
        headers=auth(brand.secret_key),
    )
    assert added.status_code == 201, added.text
    assert _variant(added.json(), "CLEO-USED")["condition"] == "C"

    path = "/v1/products/cleo-backpack/variants/CLEO-USED"
    graded = await client.patch(path, json={"condition": "A"}, headers=auth(brand.secret_key))
    assert graded.status_code == 200, graded.text
    assert (
        _variant(graded.json(), "CLEO-USED")["condition"],
        _variant(graded.json(), "CLEO-USED")["condition_note"],
    ) == (
        "A",
        "Scuffed corners",
    )  # the note stays with a second-hand grade
    noted = await client.patch(path, json={"condition_note": "Re-dyed"}, headers=auth(brand.secret_key))
    assert _variant(noted.json(), "CLEO-USED")["condition_note"] == "Re-dyed"
    new = await client.patch(path, json={"condition": "new"}, headers=auth(brand.secret_key))
    assert new.status_code == 200, new.text
    assert (_variant(new.json(), "CLEO-USED")["condition"], _variant(new.json(), "CLEO-USED")["condition_note"]) == (
        "new",
        "",
    )


async def test_bad_conditions_are_refused_naming_the_field(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    key = auth(brand.secret_key)
    body = product_body()
    body["variants"][0]["condition_note"] = "Resoled"  # a new bag has no repairs
    assert _fields(await client.post("/v1/products", json=body, headers=key)) == ["body.variants[0].condition_note"]

    body = product_body()
    body["variants"][0]["condition"] = "E"
    assert "body.variants[0].condition" in _fields(await client.post("/v1/products", json=body, headers=key))

    body = product_body()
    body["variants"][0]["refurbished_from"] = "0195f0c2-0000-7000-8000-000000000000"  # set by a listing only
    refused = await client.post("/v1/products", json=body, headers=key)
    assert 400 <= refused.status_code < 500

    body = product_body()
    body["variants"][0]["condition_note"] = "x" * 201
    assert "body.variants[0].condition_note" in _fields(await client.post("/v1/products", json=body, headers=key))

    made = await client.post("/v1/products", json=product_body(title="Cato Backpack"), headers=key)
    sku = made.json()["variants"][0]["sku"]
    patched = await client.patch(
        f"/v1/products/cato-backpack/variants/{sku}", json={"condition_note": "Patched"}, headers=key
    )
    assert _fields(patched) == ["body.condition_note"]


async def test_a_provenance_step_can_be_one_variants_alone(client: Client, make_brand: MakeBrand) -> None:
    brand = await make_brand()
    key = auth(brand.secret_key)
    body = product_body(title="Iris Backpack")
    black = body["variants"][1]["sku"]
    body["provenance"].append(
        {"stage": "repair", "place": "Hackney studio", "maker": "Ana", "sku": black, "note": "New zip"}
    )
    created = await client.post("/v1/products", json=body, headers=key)
    assert created.status_code == 201, created.text
    steps = created.json()["provenance"]
    assert [(s["stage"], s["sku"], s["note"]) for s in steps] == [
        ("material", None, ""),
        ("assembly", None, ""),
        ("repair", black, "New zip"),
    ]

    stray = [{"stage": "trade_in", "place": "Market Street", "sku": "NOT-HERE"}]
    refused = await client.patch("/v1/products/iris-backpack", json={"provenance": stray}, headers=key)
    assert _fields(refused) == ["body.provenance[0].sku"]
    body = product_body()
    body["provenance"] = stray
    assert _fields(await client.post("/v1/products", json=body, headers=key)) == ["body.provenance[0].sku"]

    gone = await client.delete(f"/v1/products/iris-backpack/variants/{black}", headers=key)
    assert gone.status_code == 200, gone.text
    assert [s["stage"] for s in gone.json()["provenance"]] == ["material", "assembly"]  # its own story went with it
