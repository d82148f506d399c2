"""The lookbook's quick view over HTTP: what a hotspot opens, how it adds to the bag, where its links go.

The fragments are read the way a browser's parser reads them (:class:`html.parser.HTMLParser`),
on :mod:`tests.commerce`'s shop (a backpack in two colours at a shop and a warehouse, pickup, a
courier zone, a workroom, and a lookbook wearing the backpack twice).
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx

from storefront.demo.site import start_site
from tests.commerce import Shop, open_shop
from tests.conftest import MakeBrand, auth

Client = httpx.AsyncClient


class _Page(HTMLParser):
    """Every id, every live region, and the fields of each form, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.live: list[tuple[str, dict[str, str | None]]] = []
        self.forms: list[dict[str, str]] = []
        self.fields: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if "aria-live" in found or found.get("role") in ("status", "alert"):
            self.live.append((tag, found))
        if tag == "form":
            self.forms.append({k: v or "" for k, v in found.items()})
            self.fields.append([])
        if tag == "input" and self.fields and found.get("name"):
            self.fields[-1].append((str(found["name"]), found.get("value") or ""))


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def path_of(url: str) -> str:
    """An absolute link of the fragment as a path and query for the test client."""
    parts = urlsplit(html_lib.unescape(url))
    return f"{parts.path}?{parts.query}"


async def lookbook(client: Client, shop: Shop) -> str:
    assert shop.look is not None
    response = await client.get(
        "/v1/components/lookbook", params={"lookbook": shop.look["lookbook"], "key": shop.brand.publishable_key}
    )
    assert response.status_code == 200, response.text
    return response.text


async def open_first_hotspot(client: Client, shop: Shop) -> tuple[str, str]:
    """The lookbook, and the quick view its first hotspot's htmx GET answers (the ``.sk-quick-view`` it selects)."""
    book = await lookbook(client, shop)
    url = re.search(r'hx-get="([^"]*/v1/components/quick-view\?[^"]*)"', book)
    assert url is not None, book
    response = await client.get(path_of(url.group(1)))
    assert response.status_code == 200, response.text
    card = re.search(r'<article class="sk-quick-view".*</article>', response.text, re.S)
    assert card is not None, response.text
    return book, card.group(0)


def with_card(book: str, card: str) -> str:
    """The lookbook as the browser has it once the card is swapped into its dialog."""
    body = re.search(r'<div class="sk-lookbook__detail" id="[^"]+"></div>', book)
    assert body is not None
    return book.replace(body.group(0), body.group(0).replace("></div>", f">{card}</div>"))


async def test_a_lookbook_with_its_quick_view_open_shares_no_id_with_itself_or_the_product_page(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    assert shop.look is not None
    book, card = await open_first_hotspot(client, shop)
    opened = parse(with_card(book, card))
    assert opened.ids, "the lookbook names its parts"
    assert [i for i, n in Counter(opened.ids).items() if n > 1] == []
    prefix = f"sk-quick-view-{shop.look['lookbook']}-{shop.product}"
    assert {i for i in parse(card).ids} and all(i.startswith(prefix) for i in parse(card).ids)

    page = await client.get(
        "/v1/components/product-page", params={"product": shop.product, "key": shop.brand.publishable_key}
    )
    assert page.status_code == 200
    assert set(opened.ids) & set(parse(page.text).ids) == set()  # the main buy box beside it keeps its own
    assert 'name="method" type="radio"' not in card and 'type="radio"' not in card  # no second delivery choice


async def test_the_quick_view_is_a_compact_card_with_a_sentence_sized_live_region(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    book, card = await open_first_hotspot(client, shop)
    assert 'class="sk-quick-view__image"' in card
    assert 'class="sk-quick-view__title"' in card and 'tabindex="-1"' in card
    assert '<p class="sk-price"' in card  # the price component's own partial
    swatches = re.findall(r'<a class="sk-quick-view__swatch[^"]*"[^>]*>', card)
    assert len(swatches) == 2
    assert sum('aria-current="true"' in s for s in swatches) == 1
    (form,) = parse(card).forms
    assert form["method"] == "post" and "/v1/components/add-to-cart?" in form["action"] and form["hx-post"]
    # Live regions: the card's status, which starts empty; the lookbook's dialog itself is not one.
    live = parse(with_card(book, card)).live
    assert [(tag, attrs.get("class")) for tag, attrs in live] == [("div", "sk-quick-view__status")]
    assert re.search(r'<div class="sk-quick-view__status" id="[^"]+" role="status"></div>', card)
    page = await client.get(
        "/v1/components/product-page", params={"product": shop.product, "key": shop.brand.publishable_key}
    )
    assert len(card) * 4 < len(page.text), (len(card), len(page.text))  # a card, not a second page


async def test_add_to_bag_from_the_quick_view_goes_through_the_add_to_cart_action(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    _, card = await open_first_hotspot(client, shop)
    (form,) = parse(card).forms
    (fields,) = parse(card).fields
    assert dict(fields)["method"] == "pickup" and dict(fields)["variant"] == shop.sku
    answer = await client.post(path_of(form["action"]), data=dict(fields), headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Trigger-After-Swap"] == "sk-cart"  # every live bag on the page hears of it
    # What the card's hx-select keeps: the bag (for its id) whose heading is the sentence shown.
    bag = re.search(r'<section class="sk-mini-cart[^"]*"[^>]*data-sk-cart="([0-9a-f-]{36})"', answer.text)
    assert bag is not None, answer.text
    assert 'Your bag <span class="sk-mini-cart__count">(1 item)</span>' in answer.text
    cart = await client.get(f"/v1/carts/{bag.group(1)}", headers=auth(shop.brand.publishable_key))
    assert cart.status_code == 200
    (line,) = cart.json()["lines"]
    assert (line["sku"], line["quantity"], line["fulfilment"]["method"]) == (shop.sku, 1, "pickup")


async def test_a_refused_quick_add_says_why_in_words(client: Client, make_brand: MakeBrand) -> None:
    shop = await open_shop(client, make_brand, shop_units=1)
    _, card = await open_first_hotspot(client, shop)
    (form,) = parse(card).forms
    (fields,) = parse(card).fields
    body = dict(fields) | {"quantity": "7"}  # more than the one at the shop
    answer = await client.post(path_of(form["action"]), data=body, headers={"HX-Request": "true"})
    assert answer.status_code == 200, answer.text
    errors = re.findall(r'class="sk-(?:field__error|form-message)"[^>]*>([^<]+)<', answer.text)
    assert errors and all(re.search(r"[a-z] [a-z]", e) for e in errors), errors  # words, not a code


async def test_swatches_link_to_the_brand_page_and_swap_the_card_for_their_variant(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    assert shop.look is not None
    _, card = await open_first_hotspot(client, shop)
    other = re.search(
        rf'<a class="sk-quick-view__swatch" href="([^"]+)"\s+hx-get="([^"]+)"[^>]*"{shop.other_sku}"', card
    )
    assert other is not None, card
    assert html_lib.unescape(other.group(1)) == f"/products/{shop.product}?variant={shop.other_sku}"
    swapped = await client.get(path_of(other.group(2)))
    assert swapped.status_code == 200
    assert 'aria-current="true" data-sk-announce="' in swapped.text
    current = re.search(r'data-sk-variant="([^"]+)"\s*aria-current="true"', swapped.text)
    assert current is not None and current.group(1) == shop.other_sku
    assert f'id="sk-quick-view-{shop.look["lookbook"]}-{shop.product}-title"' in swapped.text  # same instance


async def test_hotspots_and_suggestions_follow_the_brand_product_url_template(
    client: Client, make_brand: MakeBrand
) -> None:
    shop = await open_shop(client, make_brand)
    secret = auth(shop.brand.secret_key)
    refused = await client.patch("/v1/brand", json={"product_url_template": "/products/"}, headers=secret)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.product_url_template"]
    assert "{handle}" in refused.json()["errors"][0]["message"]
    changed = await client.patch(
        "/v1/brand", json={"product_url_template": "https://shop.example/bags/{handle}"}, headers=secret
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["product_url_template"] == "https://shop.example/bags/{handle}"
    book = await lookbook(client, shop)
    assert f'href="https://shop.example/bags/{shop.product}?variant={shop.sku}"' in book
    assert 'target="_blank"' not in book


def test_the_demo_site_answers_the_default_product_url() -> None:
    """A hotspot or suggestion followed without script lands on the brand's page for that product."""
    server = start_site("127.0.0.1", 0, "http://127.0.0.1:9", "pk_test_demo")  # no API there: placeholders only
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        page = httpx.get(f"{base}/products/wren-mini-backpack?variant=MH-WRN-BLK", timeout=10)
        assert page.status_code == 200
        assert 'data-stallkit="product-page" data-product="wren-mini-backpack" data-variant="MH-WRN-BLK"' in page.text
        assert httpx.get(f"{base}/products/Not_A_Handle", timeout=10).status_code == 404
        assert httpx.get(f"{base}/products/wren-mini-backpack/extra", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
