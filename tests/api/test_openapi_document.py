"""The served OpenAPI document is valid OpenAPI 3.1, and a client generated from it keeps every operation's types.

Two independent readers of the document: ``openapi-spec-validator`` (the 3.1 meta-schema and
its rules, e.g. no ``oneOf`` whose branches overlap) and ``openapi-python-client`` (a real
generator, run as its CLI with this interpreter). A generator that cannot read an operation's
response schema drops it with a warning, and its users get ``None`` for every answer; so the
generated modules are read back and each documented 2xx body must be parsed into something.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import OpenAPIV31SpecValidator

from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import auth

Client = httpx.AsyncClient
METHODS = ("get", "put", "post", "delete", "patch")


async def served(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


async def test_the_document_is_valid_openapi_3_1(client: Client) -> None:
    document = await served(client)
    assert document["openapi"].startswith("3.1")
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(document).iter_errors()
    ]
    assert errors == []


async def test_tuples_have_their_one_length(client: Client) -> None:
    """``prefixItems`` alone admits longer arrays than msgspec accepts for a tuple; ours read as lists of two."""
    arrays: list[dict[str, Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array":
                arrays.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    document = await served(client)
    walk(document)
    for schema in arrays:
        assert "prefixItems" not in schema or schema["minItems"] == schema["maxItems"] == len(schema["prefixItems"])
    hours = document["components"]["schemas"]["LocationOut"]["properties"]["opening_hours"]
    pair = hours["additionalProperties"]["items"]
    assert (pair["type"], pair["items"]["type"], pair["minItems"], pair["maxItems"]) == ("array", "string", 2, 2)


async def test_a_generated_client_types_every_operations_response(client: Client, tmp_path: Path) -> None:
    document = await served(client)
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document))
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: only the generator's own reading is tested
    out = tmp_path / "client"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--config",
        str(config),
        "--output-path",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), timeout=120))[0].decode()
    assert process.returncode == 0, output
    assert "warning" not in output.lower(), output  # each warning is a piece of the API a client loses

    generated: dict[tuple[str, str], str] = {}
    for module in (out / "api").rglob("*.py"):
        text = module.read_text()
        kwargs = re.search(r'"method": "(\w+)",\s*"url": "([^"]+)"', text)
        if kwargs:
            generated[(kwargs.group(1), kwargs.group(2))] = text
    documented = operations(document)
    assert set(generated) == set(documented)
    untyped = []
    for key, operation in documented.items():
        parse = generated[key].split("def _parse_response", 1)[1].split("\ndef ", 1)[0]
        for status, response in operation["responses"].items():
            if not status.startswith("2"):
                continue
            assigned = re.search(rf"if response.status_code == {status}:\s*(.+)", parse)
            if assigned is None:
                untyped.append((*key, status, "not parsed"))
            elif response.get("content") and "cast(Any, None)" in assigned.group(1):
                untyped.append((*key, status, "parsed as None"))
    assert untyped == []
    assert len(documented) >= 58


async def test_a_bad_parameter_is_answered_with_the_documented_problem(client: Client, brand: CreatedBrand) -> None:
    """The document promises problem details for a 400 (and 422) on every read: the app keeps that promise."""
    document = await served(client)
    response = await client.get("/v1/products", params={"limit": "abc"}, headers=auth(brand.publishable_key))
    assert str(response.status_code) in document["paths"]["/v1/products"]["get"]["responses"], response.text
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
