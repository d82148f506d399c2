"""The README's quick start as a newcomer meets it: ``stallkit demo`` alone, then a paid checkout.

The real command in a subprocess with a fresh data dir and localstripe's virtualenv pointed at a
temporary directory that does not exist yet: the first run installs localstripe with pip (from
whatever index pip is configured with, as ``pip install -e .`` was), the shopper's checkout pays
through it, and the next run reuses it. Offline (pip told there is no index), the demo says so in
one line and still serves, its checkout a 503 problem that names the cause.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from storefront.demo import provision
from tests.demo.test_demo_processes import Demo
from tests.stripe_server import _require_localstripe

INSTALL_TIMEOUT_S = 300  # pip on a loaded machine; about 15-25 s here


@pytest.fixture
def demos() -> Iterator[list[Demo]]:
    """Every demo a test starts; any still running at the end is killed."""
    started: list[Demo] = []
    yield started
    for demo in started:
        demo.kill()


def keys(demo: Demo) -> dict[str, str]:
    """The keys the demo printed, from the file it keeps them in (as the README's tour reads them)."""
    data: dict[str, str] = json.loads((demo.log.parent / "data" / "demo-keys.json").read_text())
    return data


def shopper(demo: Demo, pk: str) -> httpx.Client:
    return httpx.Client(base_url=demo.base, headers={"Authorization": f"Bearer {pk}"}, timeout=30)


def post(client: httpx.Client, path: str, body: dict[str, object]) -> httpx.Response:
    return client.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})


def buy_one(demo: Demo) -> httpx.Response:
    """The README tour's shopper: a cart, a pickup line, checkout; the checkout's answer."""
    with shopper(demo, keys(demo)["publishable_key"]) as client:
        cart = post(client, "/v1/carts", {})
        assert cart.status_code == 201, cart.text
        cart_id = cart.json()["id"]
        line = {"sku": "MH-NOA-TAN", "quantity": 1, "fulfilment": {"method": "pickup", "location": "columbia-road"}}
        assert post(client, f"/v1/carts/{cart_id}/lines", line).status_code == 201
        checkout = post(client, f"/v1/carts/{cart_id}/checkout", {"email": "ada@example.com", "name": "Ada Lovelace"})
        if checkout.status_code != 201:
            return checkout
        return post(client, f"/v1/carts/{cart_id}/confirm", {"payment_method": "pm_card_visa"})


def allows(demo: Demo, origin: str) -> bool:
    """Would a browser on ``origin`` be let through CORS to the demo brand's catalogue?"""
    pk = keys(demo)["publishable_key"]
    response = httpx.options(
        f"{demo.base}/v1/products?key={pk}",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    return response.headers.get("access-control-allow-origin") == origin


def payments_lines(demo: Demo) -> list[str]:
    return [line.strip() for line in demo.output().splitlines() if line.strip().startswith("payments:")]


def test_the_first_demo_installs_localstripe_pays_and_the_next_reuses_it(tmp_path: Path, demos: list[Demo]) -> None:
    _require_localstripe()  # the payment tests' own install: its absence means no index here either
    venv = tmp_path / "localstripe-venv"
    env = {"STALLKIT_LOCALSTRIPE_VENV": str(venv)}
    first = Demo(tmp_path, env, name="first")
    demos.append(first)
    first.wait_until_serving(timeout=INSTALL_TIMEOUT_S)

    said = payments_lines(first)
    assert said[0].startswith(f"payments: installing localstripe {provision.VERSION}"), said
    assert any(f"pip install localstripe=={provision.VERSION}" in line for line in said), said
    assert any("installed in" in line for line in said), said
    assert said[-1].startswith("payments: local test server at http://127.0.0.1:"), said
    assert (venv / provision.STAMP).read_text().strip() == provision.VERSION
    assert provision.ready(venv)

    paid = buy_one(first)
    assert paid.status_code == 200, paid.text
    assert paid.json()["order"]["status"] == "paid", paid.text
    assert allows(first, f"http://127.0.0.1:{first.site_port}")
    assert first.stop() == 143, first.output()

    # Same data dir and venv, the site on another port: nothing is installed, the brand
    # seeded earlier now allows the site's new origin (both names of loopback), and it still pays.
    again = Demo(tmp_path, env, name="again")
    demos.append(again)
    again.wait_until_serving()
    said = payments_lines(again)
    assert len(said) == 1 and said[0].startswith("payments: local test server at"), said
    assert allows(again, f"http://127.0.0.1:{again.site_port}")
    assert allows(again, f"http://localhost:{again.site_port}")
    assert allows(again, f"http://127.0.0.1:{first.site_port}"), "origins are added, never taken away"
    assert not allows(again, "http://127.0.0.1:1")
    paid = buy_one(again)
    assert paid.status_code == 200 and paid.json()["order"]["status"] == "paid", paid.text
    assert "Traceback" not in first.output() + again.output()


def test_offline_the_demo_says_so_in_one_line_and_checkout_explains(tmp_path: Path, demos: list[Demo]) -> None:
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    venv = tmp_path / "localstripe-venv"
    offline = {
        "STALLKIT_LOCALSTRIPE_VENV": str(venv),
        "PIP_CONFIG_FILE": "/dev/null",  # none of this machine's own indexes or wheel folders
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(empty),
    }
    demo = Demo(tmp_path, offline)
    demos.append(demo)
    demo.wait_until_serving(timeout=INSTALL_TIMEOUT_S)

    said = payments_lines(demo)
    off = [line for line in said if line.startswith("payments: off")]
    assert len(off) == 1, said
    assert f"could not install localstripe {provision.VERSION}" in off[0]
    assert f"localstripe=={provision.VERSION}" in off[0], "pip's own reason is quoted"
    assert "503 payments_unavailable" in off[0] and "once online" in off[0]
    assert not venv.exists(), "a half-made venv is not left to be mistaken for a working one"

    refused = buy_one(demo)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "payments_unavailable"
    assert demo.stop() == 143
    assert "Traceback" not in demo.output()
