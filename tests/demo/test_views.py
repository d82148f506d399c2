"""The demo's extra views (side, detail, worn) are what :mod:`storefront.demo.views` draws from each front."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from storefront.demo import catalogue, views


def test_the_view_files_are_up_to_date_with_their_fronts() -> None:
    expected = dict(views.drawings(catalogue.fronts()))
    assert expected, "every demo front has views"
    on_disk = {p: p.read_text(encoding="utf-8") for p in views.VIEWS_DIR.glob("*.svg")}
    assert on_disk == expected, "run python -m storefront.demo.views after changing a drawing"


def test_every_demo_colour_has_four_pictures_each_naming_it() -> None:
    for p in catalogue.PRODUCTS:
        for v in p.variants:
            assert len(v.images) == 1 + len(views.VIEWS), v.sku
            colour = v.options["colour"]
            assert all(colour in i.alt.lower() for i in v.images), v.sku


def test_views_are_small_self_contained_svgs() -> None:
    for path in views.VIEWS_DIR.glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(text)  # noqa: S314 - our own files, checked in
        assert len(text.encode()) < 2048 and root.find("{http://www.w3.org/2000/svg}title") is not None
        assert "href" not in text and "url(" not in text and "<script" not in text
