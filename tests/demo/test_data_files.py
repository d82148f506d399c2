"""The demo data files decode strictly: every file has a shape, and a field no shape knows is refused.

Strictness is what makes the files safe to edit by hand: a misspelt key must fail here, not seed a
default and leave the demo quietly different.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import msgspec
import pytest

from storefront.demo import catalogue

FILES = sorted(p.name for p in catalogue.DATA_DIR.iterdir() if p.is_file())


def _text(name: str) -> str:
    return (catalogue.DATA_DIR / name).read_text(encoding="utf-8")


def test_every_data_file_has_a_shape() -> None:
    assert sorted(catalogue.SHAPES) == FILES


@pytest.mark.parametrize("name", FILES)
def test_every_data_file_decodes_strictly(name: str) -> None:
    assert isinstance(catalogue.decode(_text(name), catalogue.SHAPES[name], source=name), catalogue.SHAPES[name])


@pytest.mark.parametrize("name", FILES)
def test_an_unknown_field_in_a_copy_is_refused_naming_the_file(name: str) -> None:
    copy = "unexpected_field = 1\n" + _text(name)
    with pytest.raises(msgspec.ValidationError, match=rf"^{re.escape(name)}: .*unknown field `unexpected_field`"):
        catalogue.decode(copy, catalogue.SHAPES[name], source=name)


def _first_tables(node: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The path of the document and of the first table of every array of tables or nested table in it."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                found += _first_tables(value[0], (*path, key, 0))
            elif isinstance(value, dict) and key not in ("opening_hours", "options"):  # mappings, not structs
                found += _first_tables(value, (*path, key))
    return found


def _at(node: object, path: tuple[str | int, ...]) -> dict[str, Any]:
    for step in path:
        node = node[step]  # type: ignore[index]
    assert isinstance(node, dict)
    return node


@pytest.mark.parametrize(
    ("name", "path"),
    [
        pytest.param(name, path, id=":".join([name, *map(str, path)]))
        for name in FILES
        for path in _first_tables(tomllib.loads(_text(name)))
    ],
)
def test_an_unknown_field_at_any_depth_is_refused(name: str, path: tuple[str | int, ...]) -> None:
    document = tomllib.loads(_text(name))
    _at(document, path)["unexpected_field"] = 1
    with pytest.raises(msgspec.ValidationError, match=r"unknown field `unexpected_field`"):
        msgspec.convert(document, catalogue.SHAPES[name], strict=True)
