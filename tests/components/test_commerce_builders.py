"""The buy box, cart and checkout components' pure builders and templates, on hand-made props: no database."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from components import add_to_cart, checkout, fulfilment_options, fulfilment_promise, mini_cart, personalise
from components.actions import field_errors, form_field
from components.loaders import FulfilmentConfig
from components.rendering import Renderer
from components.theming import COMPONENTS_DIR, available_themes, compile_css, component_stylesheets, load_theme
from storefront.cart.schemas import CartLineOut, CartOut, CartTotals, FulfilmentChoice, OrderRef, PersonalisationOut
from storefront.checkout.schemas import CheckoutOut, PaymentOut
from storefront.errors import FieldError
from storefront.fulfilment.promise import PICKUP_RULE, RULE_TEXT, Quote, Unavailable
from storefront.fulfilment.schemas import PersonalisationOptionOut
from storefront.money import Money
from storefront.orders.schemas import OrderOut
from storefront.settings import Secret, Settings
from tests.components.test_builders import LINKS, make_brand, product
from tests.factories import gbp

NOW = datetime(2027, 6, 2, 10, 46, tzinfo=UTC)  # Wednesday 11:46 in London
GBP = "GBP"
CONFIG = FulfilmentConfig(
    pickup_points={"market-street": "Market Street", "hoxton": "Hoxton"},
    courier_rates=[Money(amount=795, currency=GBP), Money(amount=495, currency=GBP)],
    microfactories=["Hackney Workroom"],
)
THEMES = available_themes()


def render(name: str, props: msgspec.Struct, theme: str = "default") -> str:
    folder = name.replace("-", "_")
    return Renderer().render(load_theme(theme), f"{folder}/{name}.html.jinja", props, "en_GB")


def monogram(**overrides: Any) -> PersonalisationOptionOut:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "handle": "monogram",
        "kind": "monogram",
        "label": "Monogram",
        "allowed_values": [],
        "pattern": "^[A-Z]{1,3}$",
        "max_length": 3,
        "price": gbp(1500),
        "created_at": NOW,
        **overrides,
    }
    return PersonalisationOptionOut(**fields)


def thread() -> PersonalisationOptionOut:
    return monogram(handle="thread", kind="thread_colour", label="Thread", allowed_values=["gold", "navy"], pattern="")


# --- fulfilment options ----------------------------------------------------------------------------


def test_only_what_can_be_had_is_offered() -> None:
    p = product(
        sku="FO-1-TAN",
        levels={"FO-1-TAN": [("market-street", "shop", 2), ("hoxton", "shop", 0), ("northampton", "warehouse", 4)]},
    )
    props = fulfilment_options.build(p, p.variants[0], LINKS, make_brand(), CONFIG)
    assert [o.method for o in props.options] == ["pickup", "courier"]  # not made to order
    assert props.selected == "pickup"
    assert [s.name for s in props.shops] == ["Market Street"]  # Hoxton holds none
    assert props.options[1].price_from == gbp(495)  # the cheapest zone
    assert props.promise_url.startswith("https://api.stallkit.test/v1/components/fulfilment-promise?product=")


def test_pickup_needs_a_pickup_point_with_stock_and_courier_needs_a_rate_and_network_stock() -> None:
    p = product(sku="FO-2-TAN", levels={"FO-2-TAN": [("elsewhere", "shop", 3)]})
    no_rates = FulfilmentConfig(pickup_points={"market-street": "Market Street"}, courier_rates=[], microfactories=[])
    props = fulfilment_options.build(p, p.variants[0], LINKS, make_brand(), no_rates)
    assert props.options == [] and props.selected is None  # a shop that is not a pickup point, no courier rate
    html = render("fulfilment-options", props)
    assert "can't be ordered online right now" in html
    sold_out = fulfilment_options.build(p, p.variants[1], LINKS, make_brand(), CONFIG)
    assert sold_out.options == []


def test_made_to_order_needs_a_microfactory_and_a_requested_method_is_kept() -> None:
    p = product(made_to_order=True, sku="FO-3-TAN", levels={"FO-3-TAN": [("market-street", "shop", 1)]})
    props = fulfilment_options.build(p, p.variants[0], LINKS, make_brand(), CONFIG, method="made_to_order")
    assert [o.method for o in props.options] == ["pickup", "courier", "made_to_order"]
    assert props.selected == "made_to_order"
    assert [o.selected for o in props.options] == [False, False, True]
    no_factory = msgspec.structs.replace(CONFIG, microfactories=[])
    assert [o.method for o in fulfilment_options.build(p, p.variants[1], LINKS, make_brand(), no_factory).options] == []
    unknown = fulfilment_options.build(p, p.variants[0], LINKS, make_brand(), CONFIG, method="teleport")
    assert unknown.selected == "pickup"


def test_fulfilment_options_template_is_a_labelled_radio_group_that_refreshes_the_promise() -> None:
    levels = [("market-street", "shop", 2), ("hoxton", "shop", 5)]
    p = product(sku="FO-4-TAN", levels={"FO-4-TAN": levels})
    props = fulfilment_options.build(
        p, p.variants[0], LINKS, make_brand(), CONFIG, method="courier", postcode="E2 7RG", location="hoxton"
    )
    html = render("fulfilment-options", props)
    assert '<form class="sk-fulfilment-options-form" method="get" action=""' in html
    assert 'hx-target="next .sk-fulfilment-promise"' in html and 'hx-trigger="change"' in html
    assert html.count('type="radio" name="method"') == 2
    for method in ("pickup", "courier"):
        radio_id = f"sk-fulfilment-method-{method}"
        assert f'id="{radio_id}"' in html and f'for="{radio_id}"' in html
        assert f'data-sk-event="fulfilment_select" data-sk-method="{method}"' in html
    assert re.search(r'value="courier"\s+checked', html)
    assert '<option value="hoxton" selected>Hoxton (5 in stock)</option>' in html  # most units first
    assert 'name="postcode"' in html and 'value="E2 7RG"' in html and 'autocomplete="postal-code"' in html
    assert '<input type="hidden" name="variant" value="FO-4-TAN">' in html
    assert "from £4.95" in html and "Free, at 2 shops" in html


def test_field_errors_show_next_to_their_field_or_under_the_group() -> None:
    p = product(sku="FO-5-TAN", levels={"FO-5-TAN": [("market-street", "shop", 2)]})
    props = fulfilment_options.build(
        p,
        p.variants[0],
        LINKS,
        make_brand(),
        CONFIG,
        method="courier",
        errors={"postcode": "A courier delivery needs a postcode.", "location": "No such shop."},
    )
    assert props.errors == {"postcode": "A courier delivery needs a postcode."}
    assert props.error == "No such shop."  # one shop: no shop field to put it by
    html = render("fulfilment-options", props)
    assert 'aria-invalid="true" aria-describedby="sk-fulfilment-postcode-error"' in html
    assert (
        '<p class="sk-field__error" id="sk-fulfilment-postcode-error">A courier delivery needs a postcode.</p>' in html
    )


# --- fulfilment promise ----------------------------------------------------------------------------


def pickup_quote() -> Quote:
    return Quote(
        method="pickup",
        price=gbp(0),
        earliest=datetime(2027, 6, 2, 14, tzinfo=UTC),
        latest=datetime(2027, 6, 2, 17, tzinfo=UTC),
        timezone="Europe/London",
        cutoff=datetime(2027, 6, 2, 16, 15, tzinfo=UTC),
        rule=PICKUP_RULE,
        rule_text=RULE_TEXT[PICKUP_RULE],
        location="market-street",
    )


def test_promise_props_for_a_quote_a_refusal_and_pending() -> None:
    p = product(sku="FP-1-TAN")
    variant = p.variants[0]
    names = {"market-street": "Market Street"}
    promised = fulfilment_promise.build(p, variant, LINKS, make_brand(), pickup_quote(), NOW, location_names=names)
    assert (promised.status, promised.headline) == ("promised", "Ready to collect at Market Street from 15:00")
    html = render("fulfilment-promise", promised)
    assert "<strong>Ready to collect at Market Street from 15:00</strong>" in html
    assert "Collection: free" in html and "How we work this out" in html and "hx-get" not in html

    refused = Unavailable(method="courier", reason="postcode_not_served", detail="no courier zone serves SW1")
    unavailable = fulfilment_promise.build(p, variant, LINKS, make_brand(), refused, NOW, postcode="SW1")
    assert unavailable.status == "unavailable"
    assert unavailable.headline == "We don't deliver to SW1 by courier yet."
    assert "postcode=SW1" in unavailable.refresh_url
    assert 'role="status"' in render("fulfilment-promise", unavailable)

    pending = fulfilment_promise.build(p, variant, LINKS, make_brand(), None, method="pickup")
    assert pending.status == "pending"
    html = render("fulfilment-promise", pending)
    assert f'<a href="{pending.refresh_url.replace("&", "&amp;")}"' in html  # a link without script
    assert 'hx-trigger="load"' in html and 'hx-select=".sk-fulfilment-promise"' in html

    nothing = fulfilment_promise.build(p, variant, LINKS, make_brand(), None)
    assert (nothing.status, nothing.headline) == ("unavailable", fulfilment_promise.NOTHING_TEXT)
    with pytest.raises(ValueError, match="instant"):
        fulfilment_promise.build(p, variant, LINKS, make_brand(), pickup_quote())


def test_every_refusal_reason_has_plain_words() -> None:
    from storefront.fulfilment.promise import Reason

    assert set(fulfilment_promise.REASON_TEXT) == set(Reason.__args__)  # type: ignore[attr-defined]


# --- personalise -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "html"),
    [
        ("^[A-Z]{1,3}$", "[A-Z]{1,3}"),
        ("[a-z]+", "[a-z]+"),
        ("^\\$[0-9]+\\$", "\\$[0-9]+\\$"),  # an escaped dollar is not an anchor
        ("(?P<x>[A-Z])", ""),  # Python-only: left to the server
        ("", ""),
    ],
)
def test_patterns_for_the_browser(pattern: str, html: str) -> None:
    assert personalise.html_pattern(pattern) == html


def test_personalise_fields_carry_the_rules_prices_values_and_errors() -> None:
    p = product(made_to_order=True, sku="PZ-1-TAN")
    props = personalise.build(
        p,
        p.variants[0],
        LINKS,
        make_brand(),
        [monogram(), thread(), monogram(handle="euro", price=Money(amount=100, currency="EUR"))],
        values={"personalisation.monogram": "abcd", "personalisation.thread": "navy"},
        errors={"personalisation.monogram": "At most 3 letters."},
    )
    assert props.available and [f.option for f in props.fields] == ["monogram", "thread"]  # other currencies dropped
    html = render("personalise", props)
    # The browser takes lower case (the server stitches a monogram in capitals) and shows capitals as typed.
    assert 'name="personalisation.monogram"' in html and 'pattern="[A-Za-z]{1,3}"' in html and 'maxlength="3"' in html
    assert 'autocapitalize="characters"' in html
    assert 'value="abcd"' in html and 'aria-invalid="true"' in html
    assert "At most 3 letters." in html
    assert "(+£15.00, up to 3 letters)" in html and "characters)" not in html
    assert '<option value="navy" selected>Navy</option>' in html and '<option value="">None</option>' in html
    assert (
        'method="post"' in html and 'action="https://api.stallkit.test/v1/components/add-to-cart?key=pk_test"' in html
    )
    assert '<input type="hidden" name="method" value="made_to_order">' in html


def test_personalise_says_why_not_when_it_cannot() -> None:
    plain = product(sku="PZ-2-TAN")
    props = personalise.build(plain, plain.variants[0], LINKS, make_brand(), [monogram()])
    assert not props.available
    assert "isn't made to order" in render("personalise", props)
    bespoke = product(made_to_order=True, sku="PZ-3-TAN")
    assert "no personalisation options yet" in render(
        "personalise", personalise.build(bespoke, bespoke.variants[0], LINKS, make_brand(), [])
    )


# --- add to cart -----------------------------------------------------------------------------------


def test_add_to_cart_is_one_form_that_posts_everything_without_script() -> None:
    p = product(made_to_order=True, sku="AC-1-TAN", levels={"AC-1-TAN": [("market-street", "shop", 2)]})
    props = add_to_cart.build(p, p.variants[0], LINKS, make_brand(), CONFIG, [monogram()], source="product-page")
    assert props.promise.status == "pending" and props.promise.method == "pickup"
    assert props.personalise.available and props.available
    html = render("add-to-cart", props)
    form = re.search(r"<form [^>]*>", html)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert 'action="https://api.stallkit.test/v1/components/add-to-cart?key=pk_test"' in form.group(0)
    assert 'hx-post="https://api.stallkit.test/v1/components/add-to-cart?key=pk_test"' in form.group(0)
    assert 'hx-target="closest .sk-add-to-cart"' in form.group(0)
    body = html.split("</form>", 1)[0]
    for field in (
        'name="cart"',
        'name="variant"',
        'name="method"',
        'name="quantity"',
        'name="personalisation.monogram"',
    ):
        assert field in body, field
    assert '<input type="hidden" name="source" value="product-page">' in body
    assert 'class="sk-add-to-cart__result" aria-live="polite"' in html


def test_add_to_cart_comes_back_with_the_shoppers_input_and_errors() -> None:
    p = product(made_to_order=True, sku="AC-2-TAN")
    form = add_to_cart.AddToCartForm(
        cart="c0ffee00-0000-4000-8000-000000000000",
        method="made_to_order",
        quantity=3,
        values={"personalisation.monogram": "abcd"},
        errors={"quantity": "Choose a quantity from 1 to 99.", "personalisation.monogram": "Too long."},
        message="Something general.",
    )
    props = add_to_cart.build(p, p.variants[0], LINKS, make_brand(), CONFIG, [monogram()], form=form)
    html = render("add-to-cart", props)
    assert 'name="cart" value="c0ffee00-0000-4000-8000-000000000000"' in html
    assert 'value="3"' in html and "Choose a quantity from 1 to 99." in html
    assert "Too long." in html and 'value="abcd"' in html
    assert '<p class="sk-form-message" role="alert">Something general.</p>' in html


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("body.quantity", "quantity"),
        ("body.fulfilment.postcode", "postcode"),
        ("body.fulfilment.location", "location"),
        ("body.fulfilment.method", "method"),
        ("body.fulfilment", "method"),
        ("body.personalisation[1].value", "personalisation.thread"),
        ("body.personalisation[0].option", "personalisation.monogram"),
        ("body.personalisation[7].value", "personalisation"),
        ("body.personalisation", "personalisation"),
        ("body.sku", ""),
        ("body", ""),
    ],
)
def test_cart_errors_map_back_to_form_fields(field: str, where: str) -> None:
    assert form_field(field, ["monogram", "thread"]) == where


def test_errors_no_field_explains_become_the_forms_message() -> None:
    errors, message = field_errors(
        [
            FieldError("body.quantity", "at most 99 of one item per cart"),
            FieldError("body", "a cart holds at most 50 lines"),
        ],
        [],
        friendly=False,
    )
    assert errors == {"quantity": "At most 99 of one item per cart."}
    assert message == "A cart holds at most 50 lines."


# --- mini cart and checkout ------------------------------------------------------------------------


def cart_out(*, status: str = "open", order: OrderRef | None = None, lines: int = 1) -> CartOut:
    line = CartLineOut(
        id=uuid.uuid4(),
        sku="MC-1-TAN",
        product="noa-micro-bag",
        title="Noa Micro Bag",
        variant_title="Tan",
        image=None,
        quantity=2,
        fulfilment=FulfilmentChoice(method="pickup", location="market-street"),
        personalisation=[PersonalisationOut(option="monogram", label="Monogram", value="ABC", price=gbp(1500))],
        unit_price=gbp(14_000),
        subtotal=gbp(28_000),
        discount=gbp(0),
        total=gbp(28_000),
        look=None,
        promise=pickup_quote(),
    )
    courier = msgspec.structs.replace(
        line,
        id=uuid.uuid4(),
        quantity=1,
        fulfilment=FulfilmentChoice(method="courier", postcode="E28AA"),
        personalisation=[],
        total=gbp(12_500),
        promise=None,
        problem="no courier zone serves E28AA",
    )
    chosen = [line, courier][:lines]
    return CartOut(
        id=uuid.UUID("0b1e0000-0000-4000-8000-000000000001"),
        status=status,  # type: ignore[arg-type]
        currency=GBP,
        lines=chosen,
        totals=CartTotals(
            subtotal=gbp(40_500),
            fulfilment=gbp(795),
            discount=gbp(0),
            total=gbp(41_295),
            units=len(chosen),
            credit=gbp(0),
            due=gbp(41_295),
        ),
        credits=[],
        order=order,
        created_at=NOW,
        updated_at=NOW,
    )


def test_mini_cart_lines_totals_promises_and_the_way_to_checkout() -> None:
    props = mini_cart.build(cart_out(lines=2), LINKS, make_brand(), NOW, product="noa-micro-bag")
    assert props.state == "open" and props.units == 2
    first, second = props.lines
    assert first.promise == "Ready to collect at Market Street from 15:00"
    assert first.personalisation == ["Monogram: ABC"]
    assert (second.fulfilment, second.promise, second.problem) == (
        "Courier to E2 8AA",
        None,
        "no courier zone serves E28AA",
    )
    assert props.checkout_url is not None and "cart=0b1e0000-0000-4000-8000-000000000001" in props.checkout_url
    html = render("mini-cart", props)
    assert 'data-sk-cart="0b1e0000-0000-4000-8000-000000000001"' in html
    assert "£412.95" in html and "£7.95" in html and "(2 items)" in html
    assert 'hx-trigger="sk-cart from:body"' in html  # a live mini-cart fetches itself when a line is added
    assert 'hx-select=".sk-checkout"' in html


def test_mini_cart_without_a_cart_and_after_checkout() -> None:
    empty = mini_cart.build(None, LINKS, make_brand(), NOW)
    assert empty.state == "empty" and empty.checkout_url is None
    html = render("mini-cart", empty)
    assert "Your bag is empty." in html and "data-sk-cart" not in html
    done = mini_cart.build(
        cart_out(status="checked_out", order=OrderRef(id=uuid.uuid4(), number="MH-1234", status="paid")),
        LINKS,
        make_brand(),
        NOW,
        live=False,
    )
    html = render("mini-cart", done)
    assert 'data-sk-cart=""' in html  # the embed loader forgets it
    assert "checked out as order MH-1234" in html and "sk-cart from:body" not in html
    assert "See your order" in html
    unpaid = mini_cart.build(
        cart_out(status="checked_out", order=OrderRef(id=uuid.uuid4(), number="MH-1235", status="pending_payment")),
        LINKS,
        make_brand(),
        NOW,
    )
    html = render("mini-cart", unpaid)
    assert 'data-sk-cart="0b1e0000-0000-4000-8000-000000000001"' in html  # kept until it is paid
    assert "Finish paying" in html and "/v1/components/checkout?cart=0b1e0000" in html


def settings(**stripe: Any) -> Settings:
    return Settings(database_url="sqlite://:memory:", **stripe)


OFF = settings()
LOCAL = settings(
    stripe_secret_key=Secret("sk_test_x"), stripe_publishable_key="pk_test_x", stripe_api_base="http://127.0.0.1:9"
)
LIVE = settings(stripe_secret_key=Secret("sk_test_x"), stripe_publishable_key="pk_test_stripe")


def order(status: str = "pending_payment", **overrides: Any) -> OrderOut:
    zero = {"amount": 0, "currency": GBP}
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "number": "MH-7Q2K",
        "status": status,
        "email": "ada@example.com",
        "name": "Ada",
        "subtotal": {"amount": 28_000, "currency": GBP},
        "fulfilment": zero,
        "discount": zero,
        "total": {"amount": 28_000, "currency": GBP},
        "paid": zero,
        "credit": zero,
        "refunded": zero,
        "balance": zero,
        "payment_intent": "pi_1",
        "payment_failures": 0,
        "last_payment_error": "",
        "hold_expires_at": (NOW + timedelta(minutes=30)).isoformat(),
        "placed_at": NOW.isoformat(),
        "paid_at": None,
        "fulfilled_at": None,
        "cancelled_at": None,
        "cancel_reason": "",
        "exchange_of": None,
        "fulfilments": [],
        "lines": [],
        "kpis": {
            "promised_lead_minutes": 60,
            "actual_lead_minutes": None,
            "on_time": None,
            "fulfilment_cost": zero,
            "returned_units": 0,
            "damaged_units": 0,
            "return_reasons": {},
        },
        **overrides,
    }
    return msgspec.convert(fields, OrderOut)


def placed(status: str = "pending_payment", **overrides: Any) -> CheckoutOut:
    return CheckoutOut(
        order=order(status, **overrides),
        payment=PaymentOut(
            intent_id="pi_1",
            client_secret="pi_1_secret_abc",
            publishable_key="pk_test_stripe",
            status="requires_payment_method",
            amount=gbp(28_000),
            test_mode=False,
        ),
    )


def test_checkout_steps_follow_the_cart_the_order_and_the_settings() -> None:
    brand = make_brand()
    assert checkout.payment_mode(OFF) == "off"
    assert checkout.payment_mode(LOCAL) == "test"
    assert checkout.payment_mode(LIVE) == "stripe"
    assert checkout.build(None, LINKS, brand, LOCAL, NOW).step == "empty"
    details = checkout.build(cart_out(), LINKS, brand, LOCAL, NOW)
    assert details.step == "details" and details.total == gbp(41_295)
    off = checkout.build(cart_out(), LINKS, brand, OFF, NOW)
    assert (off.step, off.message) == ("unavailable", checkout.UNAVAILABLE_TEXT)
    pay = checkout.build(cart_out(status="checked_out"), LINKS, brand, LOCAL, NOW, placed=placed())
    assert (pay.step, pay.payments, pay.status_text) == ("pay", "test", "Awaiting payment — order MH-7Q2K")
    assert pay.client_secret is None  # never handed out where it is not needed
    done = checkout.build(cart_out(status="checked_out"), LINKS, brand, LOCAL, NOW, placed=placed("paid"))
    assert (done.step, done.status_text) == ("done", "Paid — order MH-7Q2K")
    declined = checkout.build(
        cart_out(), LINKS, brand, LOCAL, NOW, placed=placed(last_payment_error="Your card was declined.")
    )
    assert declined.message == "The payment didn't go through: Your card was declined. Please try again."


@pytest.mark.parametrize("theme", THEMES)
def test_checkout_templates_for_every_step(theme: str) -> None:
    brand = make_brand()
    details = render(
        "checkout",
        checkout.build(cart_out(), LINKS, brand, LOCAL, NOW, email="ada@", errors={"email": "Enter an email."}),
        theme,
    )
    assert 'action="https://api.stallkit.test/v1/components/checkout?key=pk_test"' in details
    assert 'method="post"' in details and 'type="email" name="email"' in details and 'autocomplete="email"' in details
    assert 'aria-invalid="true"' in details and "Enter an email." in details and 'value="ada@"' in details

    test_card = render("checkout", checkout.build(cart_out(), LINKS, brand, LOCAL, NOW, placed=placed()), theme)
    assert 'action="https://api.stallkit.test/v1/components/checkout/confirm?key=pk_test"' in test_card
    assert '<input type="hidden" name="payment_method" value="pm_card_visa">' in test_card
    assert "Pay £280.00 with test card" in test_card and "data-sk-stripe" not in test_card

    stripe = render("checkout", checkout.build(cart_out(), LINKS, brand, LIVE, NOW, placed=placed()), theme)
    assert 'data-sk-stripe data-sk-stripe-key="pk_test_stripe" data-sk-client-secret="pi_1_secret_abc"' in stripe
    assert "payment_method" not in stripe and "Pay £280.00" in stripe

    done = render("checkout", checkout.build(cart_out(), LINKS, brand, LOCAL, NOW, placed=placed("paid")), theme)
    assert "Paid — order MH-7Q2K" in done and 'data-sk-cart=""' in done and "<form" not in done

    off = render("checkout", checkout.build(cart_out(), LINKS, brand, OFF, NOW), theme)
    assert "take payments online yet" in off and "<form" not in off


# --- styles ----------------------------------------------------------------------------------------


def test_component_stylesheets_are_scoped_and_use_only_theme_tokens() -> None:
    sheets = component_stylesheets()
    assert COMPONENTS_DIR / "forms.css" in sheets
    tokens = set(dict(load_theme("default").tokens))
    for path in sheets:
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.DOTALL)
        assert text.count("{") == text.count("}"), path
        assert set(re.findall(r"var\(--sk-([a-z0-9-]+)\)", text)) <= tokens, path
        for selector in re.findall(r"([^{}]+)\{[^{}]*\}", text):
            for part in selector.split(","):
                assert ".sk-" in part, f"{path.name}: {part.strip()!r} is not scoped to .sk- classes"


@pytest.mark.parametrize("theme", THEMES)
def test_every_theme_carries_the_component_styles_after_the_default_base(theme: str) -> None:
    css = compile_css(load_theme(theme), {})
    base = css.index(".sk-visually-hidden")
    assert base < css.index(".sk-fulfilment-options__option") < css.rindex("}")
    assert ".sk-mini-cart" in css and ".sk-checkout__form" in css and ".sk-button" in css


def test_checkout_says_what_is_charged_later_for_a_deposit() -> None:
    """A made-to-order deposit: the pay step says how much waits for the piece to ship."""
    deposit = CheckoutOut(
        order=order(total={"amount": 30_000, "currency": GBP}, balance={"amount": 21_000, "currency": GBP}),
        payment=msgspec.structs.replace(placed().payment, amount=gbp(9_000)),  # type: ignore[type-var]
    )
    html = render("checkout", checkout.build(cart_out(), LINKS, make_brand(), LOCAL, NOW, placed=deposit))
    assert "Pay £90.00 with test card" in html
    assert "the balance of £210.00 is charged to the same card" in html
