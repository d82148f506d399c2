"""The printable credit slip: ``GET /v1/credits/{code}/slip`` with a secret key answers a page to print.

It names the brand, the code in groups to read out, a QR code (inline SVG drawn here) for the
code, the balance, each lot's expiry and where it can be spent, and is never kept by a cache.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest
import segno

from storefront.clock import utcnow
from storefront.credits import codes
from storefront.qr import qr_svg
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand, auth
from tests.credits.conftest import issue, refill

Client = httpx.AsyncClient


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


async def test_the_slip_shows_the_code_its_qr_the_balance_and_where_to_spend_it(
    client: Client, make_brand: MakeBrand
) -> None:
    brand = await make_brand(allowed_origins=["https://noa.example"])
    now = utcnow()
    code, credit_id = await issue(brand.brand.id, 3_500, now, expires_at=datetime(2030, 3, 9, 12, tzinfo=UTC))
    await refill(brand.brand.id, credit_id, 1_500, now, None)
    response = await client.get(f"/v1/credits/{code}/slip", headers=auth(brand.secret_key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "no-store" in response.headers["cache-control"]
    html = response.text
    words = text_of(html)
    assert html.startswith("<!doctype html>") and "@page { size: A6" in html
    assert brand.brand.name in words and "Store credit" in words
    groups = code.split("-")
    assert " ".join(groups) in words  # grouped for reading aloud
    assert f'aria-label="Credit code {", ".join(groups)}"' in html
    assert "£50.00" in words
    assert "£35.00 Use by 9 March 2030" in words and "£15.00 Never expires" in words
    assert "In our shops and at our pop-up stalls" in words and "Online at noa.example" in words

    svg = re.search(r"<svg .*?</svg>", html, re.S)
    assert svg, html
    assert svg.group(0).startswith('<svg role="img" ') and f"<title>Credit code {code}</title>" in svg.group(0)
    assert svg.group(0) == qr_svg(code, label=f"Credit code {code}")  # the one QR helper, drawn locally
    assert "<script" not in html and "http" not in svg.group(0).replace("http://www.w3.org/2000/svg", "")


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, pattern
    return match.group(1)


def modules_of(svg: str) -> list[list[bool]]:
    """The dark modules the SVG draws, read back from its dark path (``M``/``m`` moves, ``h`` runs)."""
    size = int(found(r'width="(\d+)"', svg)) // int(found(r"scale\((\d+)\)", svg))
    dark = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", found(r'<path stroke="#000" d="([^"]+)"', svg)):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for column in range(int(x), int(x + values[0])):
                dark[int(y)][column] = True
            x += values[0]
    return dark


def test_the_slips_qr_is_the_printed_code_and_a_scanner_reads_it_back() -> None:
    code = codes.generate()
    shown, groups = codes.printed(codes.normalise(code)), codes.groups(codes.normalise(code))
    assert shown == code and groups == code.split("-")
    assert codes.parse(shown) == codes.normalise(code)  # what a till scans is a code it accepts
    svg = qr_svg(shown, label=f"Credit code {shown}")
    expected = [[bool(v) for v in row] for row in segno.make(code, error="m", micro=False).matrix_iter(border=4)]
    assert modules_of(svg) == expected  # a full QR of the code, with its quiet zone

    zxingcpp = pytest.importorskip("zxingcpp")  # a real decoder, as a till's scanner would read it
    pixels = 4
    rows = [[0 if v else 255 for v in row for _ in range(pixels)] for row in modules_of(svg) for _ in range(pixels)]
    image = memoryview(bytes(v for row in rows for v in row)).cast("B", shape=[len(rows), len(rows[0])])
    read = zxingcpp.read_barcodes(image)
    assert [(r.text, str(r.format)) for r in read] == [(code, "QR Code")]


async def test_the_slip_is_for_staff_and_refuses_typos_and_unknown_codes(client: Client, brand: CreatedBrand) -> None:
    code, _ = await issue(brand.brand.id, 1_000, utcnow() - timedelta(days=1))
    shopper = await client.get(f"/v1/credits/{code}/slip", headers=auth(brand.publishable_key))
    assert shopper.status_code == 403, shopper.text
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    wrong = await client.get(f"/v1/credits/{typo}/slip", headers=auth(brand.secret_key))
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "path.code"
    assert "typing mistake" in wrong.json()["detail"]
    unknown = await client.get(f"/v1/credits/{codes.generate()}/slip", headers=auth(brand.secret_key))
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
