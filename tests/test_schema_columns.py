"""Every value a route decodes fits where it is stored, and every text refuses control characters.

The request schemas are found from the app itself: each route handler's ``data`` body, plus
the bodies a few handlers read themselves (:data:`RAW_BODIES`; a new handler that takes a body
without declaring ``data`` fails here until it is listed) and the CLI's new brand. Each string
and integer in them, however deeply nested, is checked against the Tortoise column it lands in:

- a string's longest value (its ``max_length``, or the widest match of its pattern) fits the
  ``CharField``; an integer's bounds fit ``IntField`` (32 bits) or ``BigIntField`` (64), and no
  integer anywhere is unbounded or beyond int64 (msgspec decodes any size: 2**70 would reach
  the database);
- where a field lands is found by name on the model its struct lands in (:data:`LANDS_IN`);
  fields whose column has another name, or that are only looked up, or kept inside a JSON
  column, are declared in :data:`ELSEWHERE`; a field that is neither fails;
- columns built from several fields (:data:`DERIVED`) fit the longest combination;
- every string pattern ends with ``ids.END``, and (a property test on each distinct string
  type) a valid value with a control character inserted, or a newline appended, is refused;
  only ``ids.MultiLine`` text keeps tab, CR and LF.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import re._constants
import re._parser  # the parser re.compile uses: the widest match of a pattern
import tempfile
from collections.abc import Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.routes import HTTPRoute
from tortoise import fields
from tortoise.models import Model

from components.plugin import ComponentsPlugin
from storefront.analytics.models import AnalyticsEvent
from storefront.analytics.schemas import EventBatch, EventIn
from storefront.app import create_app
from storefront.cart.models import Cart, CartLine
from storefront.cart.schemas import (
    CartIn,
    CreditCodeIn,
    FulfilmentChoice,
    LineIn,
    LinePatch,
    LookToCartIn,
    PersonalisationIn,
)
from storefront.catalog.models import MaterialDisclosure, Product, ProvenanceStep, Repairability, Variant
from storefront.catalog.schemas import (
    Dimensions,
    Image,
    MaterialIn,
    PriceIn,
    ProductIn,
    ProductPatch,
    ProvenanceIn,
    RepairabilityIn,
    VariantIn,
    VariantPatch,
)
from storefront.checkout.schemas import AddressIn, CheckoutIn, ConfirmIn
from storefront.credits.models import Credit, CreditEntry, CreditLot, EventHold, TradeIn, TradeInStep
from storefront.credits.recommerce import NewProductIn, RefurbishIn
from storefront.credits.schemas import AmountIn, CreditIn
from storefront.credits.trade_in_schemas import BagDimensions, InspectIn, RejectIn, TradeInIn
from storefront.credits.valuation import ValuationRules
from storefront.events.journal import SyncEntry
from storefront.events.models import Event, EventAllocation, EventDevice, EventDrop, EventEntry, EventPrice
from storefront.events.offline_credits import EventCreditIn
from storefront.events.schemas import AllocationLineIn, DeviceIn, DropIn, PriceLineIn
from storefront.events.schemas import EventIn as PopUpEventIn
from storefront.fulfilment.models import (
    BackInStockRequest,
    CourierRate,
    CourierZone,
    Microfactory,
    PersonalisationOption,
    PickupPoint,
)
from storefront.fulfilment.schemas import (
    BackInStockIn,
    CourierZoneIn,
    MicrofactoryIn,
    PersonalisationOptionIn,
    PickupPointIn,
)
from storefront.ids import END, MULTILINE_PATTERN
from storefront.inventory.models import Location, StockMovement
from storefront.inventory.schemas import LocationIn, LocationPatch, MovementIn
from storefront.lookbooks.models import Look, Lookbook, LookItem
from storefront.lookbooks.schemas import Hotspot, LookbookIn, LookbookPatch, LookIn, LookItemIn
from storefront.orders.models import Fulfilment, Order, OrderLine, ReturnLine
from storefront.orders.schemas import ReturnLineIn, StepIn
from storefront.settings import Secret, Settings
from storefront.tenancy import NewBrand
from storefront.tenancy.keys_schemas import NewKey
from storefront.tenancy.models import ApiKey, Brand
from storefront.tenancy.schemas import BrandUpdate

INT64 = (-(2**63), 2**63 - 1)
INT_RANGES: dict[type[fields.Field[Any]], tuple[int, int]] = {
    fields.SmallIntField: (-(2**15), 2**15 - 1),
    fields.IntField: (-(2**31), 2**31 - 1),
    fields.BigIntField: INT64,
}
CONTROL = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + ["\u2028", "\u2029"]
LINE_BREAKS = {"\t", "\n", "\r", "\u2028", "\u2029"}  # what MultiLine text keeps

# Handlers that read their body themselves (qualname -> the schemas it is decoded into).
RAW_BODIES: dict[str, tuple[type[msgspec.Struct], ...]] = {
    "AnalyticsController.record_events": (EventBatch,),  # a beacon's text/plain, via decoding.decode_json_body
    "ComponentController.action": (LineIn, CheckoutIn, BackInStockIn),  # form fields converted into API schemas
    "ComponentController.confirm": (ConfirmIn,),
    "ComponentController.credit": (),  # the form's code is parsed by credits.codes, never stored
    "TradeInController.receive": (),  # no body
    "TradeInController.accept": (),  # no body
    "TradeInController.return_bag": (),  # no body
    "TradeInController.add_photo": (),  # the image's bytes, checked by credits.trade_in_photos
    "StripeWebhookController.stripe_webhook": (),  # Stripe's event: its signature and shape are checked
    "BrandController.revoke_key": (),  # no body
    "BrandController.rotate_key": (),  # no body
    "EventReportController.close": (),  # no body
    # The back office's forms: an email cut to StaffAccount.email's 254, a password that is only hashed,
    # a CSRF token compared and never stored.
    "BackOfficeController.sign_in": (),
    "BackOfficeController.sign_out": (),
    "BackOfficeController.reset": (),
    # The back office's event forms, each converted into the events API's own schema (checked there).
    "EventPages.create_event": (PopUpEventIn,),
    "EventPages.allocate": (AllocationLineIn,),
    "EventPages.register": (DeviceIn,),
    "EventPages.revoke": (),
    "EventPages.close": (),
    # Trade-in steps and credit forms: a grade from a fixed list, notes and reasons cut to their
    # columns (500, 200), a code parsed and never stored, an amount checked as a signed integer.
    "TradeInPages.step": (),
    "CreditPages.look_up": (),
    "CreditPages.adjust": (),
    "CreditPages.print_slip": (),
    "OrderPages.step": (StepIn,),  # the next step's name, converted into the API's StepIn
    "StockPages.record": (MovementIn,),  # converted into the API's MovementIn
    "StockPages.transfer": (),  # a SKU and handles looked up, a reason cut to StockMovement.reason's 200
}
OTHER_BOUNDARIES: tuple[type[msgspec.Struct], ...] = (NewBrand,)  # `stallkit brand create`

# The table each struct's fields land in, by field name (a string: stored whole inside a JSON column).
LANDS_IN: dict[type[msgspec.Struct], type[Model] | str] = {
    EventIn: AnalyticsEvent,
    SyncEntry: EventEntry,
    LineIn: CartLine,
    BackInStockIn: BackInStockRequest,
    FulfilmentChoice: CartLine,
    PersonalisationIn: "JSON: CartLine.personalisation",
    LookToCartIn: CartLine,
    LinePatch: CartLine,
    CartIn: Cart,
    CheckoutIn: Order,
    AddressIn: Fulfilment,
    ConfirmIn: "never stored: the payment method is passed to the payment provider",
    NewBrand: Brand,
    BrandUpdate: Brand,
    NewKey: ApiKey,
    ProductIn: Product,
    ProductPatch: Product,
    Dimensions: Product,
    Image: "JSON: Product.images",
    VariantIn: Variant,
    VariantPatch: Variant,
    MaterialIn: MaterialDisclosure,
    ProvenanceIn: ProvenanceStep,
    RepairabilityIn: Repairability,
    LocationIn: Location,
    LocationPatch: Location,
    MovementIn: StockMovement,
    LookbookIn: Lookbook,
    LookbookPatch: Lookbook,
    LookIn: Look,
    LookItemIn: LookItem,
    Hotspot: LookItem,
    CourierZoneIn: CourierZone,
    MicrofactoryIn: Microfactory,
    PersonalisationOptionIn: PersonalisationOption,
    PickupPointIn: PickupPoint,
    ReturnLineIn: ReturnLine,
    CreditIn: CreditEntry,
    AmountIn: CreditLot,
    ValuationRules: "JSON: TradeInRules.rules",
    TradeInIn: TradeIn,
    BagDimensions: "turned into TradeIn.size_class, not stored",
    InspectIn: TradeInStep,
    RejectIn: TradeInStep,
    RefurbishIn: Variant,
    NewProductIn: Product,
    CreditCodeIn: "never stored: the code is hashed and its credit looked up (CartCredit.credit_id)",
    PopUpEventIn: Event,  # also its stall Location: name (200), venue as address (300), "stall-" + handle cut to 80
    AllocationLineIn: EventAllocation,
    DeviceIn: EventDevice,
    PriceLineIn: EventPrice,
    DropIn: EventDrop,
    EventCreditIn: EventHold,
}

LOOKUP = "looked up: the row's id is stored"
# (struct, field) -> the columns it lands in under another name, or why it needs no column.
ELSEWHERE: dict[tuple[type[msgspec.Struct], str], tuple[fields.Field[Any], ...] | str] = {
    (CheckoutIn, "phone"): "normalised to E.164 first (at most 16 characters): Fulfilment.phone",
    (CheckoutIn, "collector"): (Fulfilment._meta.fields_map["collector"],),
    (PopUpEventIn, "pickup_prep_minutes"): (PickupPoint._meta.fields_map["prep_minutes"],),  # the stall's pickup point
    (AddressIn, "name"): (Fulfilment._meta.fields_map["recipient"],),
    (AddressIn, "line1"): (Fulfilment._meta.fields_map["address_line1"],),
    (AddressIn, "line2"): (Fulfilment._meta.fields_map["address_line2"],),
    (PriceIn, "amount"): (
        Variant._meta.fields_map["price_minor"],
        Variant._meta.fields_map["compare_at_minor"],
        CourierRate._meta.fields_map["price_minor"],
        PersonalisationOption._meta.fields_map["price_minor"],
        EventPrice._meta.fields_map["price_minor"],
    ),
    (PriceIn, "currency"): (
        Variant._meta.fields_map["currency"],
        CourierRate._meta.fields_map["currency"],
        PersonalisationOption._meta.fields_map["currency"],
        EventPrice._meta.fields_map["currency"],
    ),
    (Hotspot, "x"): (LookItem._meta.fields_map["hotspot_x"],),
    (TradeInIn, "condition"): (TradeIn._meta.fields_map["grade"], TradeIn._meta.fields_map["quoted_grade"]),
    (TradeInIn, "product"): (TradeIn._meta.fields_map["product_handle"],),
    (InspectIn, "condition"): (TradeInStep._meta.fields_map["grade"], TradeIn._meta.fields_map["grade"]),
    (InspectIn, "notes"): (TradeInStep._meta.fields_map["note"],),
    (RejectIn, "reason"): (TradeInStep._meta.fields_map["note"],),
    (RefurbishIn, "product"): LOOKUP,
    (RefurbishIn, "location"): LOOKUP,
    (RefurbishIn, "repairs"): "joined and checked against NOTE_MAX: Variant.condition_note, ProvenanceStep.note",
    (RefurbishIn, "repaired_by"): (ProvenanceStep._meta.fields_map["maker"],),
    (Hotspot, "y"): (LookItem._meta.fields_map["hotspot_y"],),
    (MovementIn, "quantity"): (StockMovement._meta.fields_map["on_hand_delta"],),
    (LineIn, "sku"): LOOKUP,
    (BackInStockIn, "variant"): LOOKUP,
    (MovementIn, "sku"): LOOKUP,
    (LookToCartIn, "lookbook"): LOOKUP + ", and part of CartLine.look (DERIVED)",
    (PersonalisationOptionIn, "allowed_values"): "JSON: PersonalisationOption.allowed_values",
    (VariantIn, "options"): "JSON: Variant.options",
    (VariantPatch, "options"): "JSON: Variant.options",
    (MaterialIn, "certifications"): "JSON: MaterialDisclosure.certifications",
    (RepairabilityIn, "replaceable_parts"): "JSON: Repairability.replaceable_parts",
    (LocationIn, "opening_hours"): "JSON: Location.opening_hours",
    (LocationPatch, "opening_hours"): "JSON: Location.opening_hours",
    (CourierZoneIn, "postcode_prefixes"): "JSON: CourierZone.postcode_prefixes",
    (CourierZoneIn, "delivery_windows"): "JSON: CourierZone.delivery_windows",
    (NewBrand, "allowed_origins"): "JSON: Brand.allowed_origins",
    (BrandUpdate, "allowed_origins"): "JSON: Brand.allowed_origins",
    (BrandUpdate, "theme_tokens"): "JSON: Brand.theme_tokens",
    (AllocationLineIn, "sku"): LOOKUP,
    (AllocationLineIn, "from_location"): LOOKUP,
    (PriceLineIn, "sku"): LOOKUP,
    (DropIn, "skus"): LOOKUP + " (EventDropSku.variant_id)",
    (AmountIn, "amount"): (CreditLot._meta.fields_map["amount_minor"], CreditEntry._meta.fields_map["amount_minor"]),
    (AmountIn, "currency"): (Credit._meta.fields_map["currency"],),
    (EventCreditIn, "code"): "never stored: the code is hashed and its credit looked up (EventHold.credit_id)",
    (EventCreditIn, "amount"): (EventHold._meta.fields_map["cap_minor"],),
}

# Columns filled from several fields: each part a (struct, field) or literal text; all at their longest fit.
DERIVED: list[tuple[fields.Field[Any], tuple[tuple[type[msgspec.Struct], str] | str, ...]]] = [
    (OrderLine._meta.fields_map["title"], ((ProductIn, "title"), " — ", (VariantIn, "title"))),  # checkout
    (OrderLine._meta.fields_map["title"], ((ProductPatch, "title"), " — ", (VariantPatch, "title"))),
    (CartLine._meta.fields_map["look"], ((LookToCartIn, "lookbook"), "/", "0" * 36)),  # lookbook/look-uuid
]

# Strings whose values are another part's to shape, each with why; checked to still need it, so
# an entry is dropped when its owner closes the gap. Reported to their owners.
NOT_YET: dict[tuple[type[msgspec.Struct], str], str] = {
    (BrandUpdate, "theme_tokens"): "token values: checked at write time by storefront.tenancy.tokens",
}


@dataclasses.dataclass(frozen=True)
class Leaf:
    owner: type[msgspec.Struct]
    field: str
    path: str  # within the field: "", "[]", "{key}", "{value}"...
    info: mi.Type = dataclasses.field(compare=False)

    def __str__(self) -> str:
        return f"{self.owner.__name__}.{self.field}{self.path}"


def leaves(info: mi.Type, owner: type[msgspec.Struct] | None = None, field: str = "", path: str = "") -> Iterator[Leaf]:
    if isinstance(info, mi.Metadata):
        yield from leaves(info.type, owner, field, path)
    elif isinstance(info, mi.StructType):
        for f in info.fields:
            yield from leaves(f.type, info.cls, f.encode_name)
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            yield from leaves(member, owner, field, path)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        yield from leaves(info.item_type, owner, field, path + "[]")
    elif isinstance(info, mi.TupleType):
        for i, member in enumerate(info.item_types):
            yield from leaves(member, owner, field, f"{path}[{i}]")
    elif isinstance(info, mi.DictType):
        yield from leaves(info.key_type, owner, field, path + "{key}")
        yield from leaves(info.value_type, owner, field, path + "{value}")
    elif isinstance(info, mi.StrType | mi.IntType | mi.FloatType | mi.DecimalType | mi.BytesType | mi.AnyType):
        assert owner is not None, info
        yield Leaf(owner, field, path, info)


@functools.cache
def the_app() -> Litestar:
    """Built, never served: only its route handlers are read (also at collection, for parametrize)."""
    settings = Settings(database_url="sqlite://:memory:", data_dir=tempfile.gettempdir(), secret=Secret("s" * 48))
    return create_app(settings, plugins=[ComponentsPlugin()], manage_database=False)


def _writing_handlers(app: Litestar) -> Iterator[tuple[str, Any]]:
    """(qualname, data annotation or None) of every handler that takes a request body."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.http_methods & {"POST", "PUT", "PATCH"}:
                continue
            data = handler.parsed_fn_signature.parameters.get("data")
            yield handler.fn.__qualname__, data.annotation if data is not None else None


def request_schemas(app: Litestar) -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = []
    for qualname, annotation in _writing_handlers(app):
        found += [annotation] if annotation is not None else list(RAW_BODIES[qualname])
    return list(dict.fromkeys([*found, *OTHER_BOUNDARIES]))


def all_leaves(app: Litestar) -> list[Leaf]:
    return list(dict.fromkeys(leaf for schema in request_schemas(app) for leaf in leaves(mi.type_info(schema))))


def longest(info: mi.StrType) -> int | None:
    """The longest string the type admits: its max_length or its pattern's widest match, whichever is less."""
    bounds = [info.max_length] if info.max_length is not None else []
    if info.pattern is not None:
        widest = re._parser.parse(info.pattern).getwidth()[1]
        if widest < re._constants.MAXREPEAT:
            bounds.append(widest)
    return min(bounds) if bounds else None


def int_bounds(info: mi.IntType) -> tuple[int | None, int | None]:
    low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
    high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
    return low, high


def columns_of(leaf: Leaf) -> tuple[fields.Field[Any], ...] | str:
    """Where the leaf's field is stored; fails naming the field when nothing says."""
    declared = ELSEWHERE.get((leaf.owner, leaf.field))
    if declared is not None:
        return declared
    table = LANDS_IN.get(leaf.owner)
    assert table is not None, f"{leaf}: declare the table {leaf.owner.__name__} lands in (LANDS_IN)"
    if isinstance(table, str):
        return table
    column = table._meta.fields_map.get(leaf.field)
    assert column is not None, f"{leaf}: no {table.__name__}.{leaf.field}; declare where it lands (ELSEWHERE)"
    if isinstance(column, fields.relational.ForeignKeyFieldInstance):
        return LOOKUP
    return (column,)


# --- the tests ---------------------------------------------------------------------------------


def test_every_handler_that_takes_a_body_is_walked() -> None:
    raw = {qualname for qualname, annotation in _writing_handlers(the_app()) if annotation is None}
    assert raw == set(RAW_BODIES), "a handler reads a body without `data`: list its schemas in RAW_BODIES"
    names = {schema.__name__ for schema in request_schemas(the_app())}
    assert {"ProductIn", "LineIn", "BrandUpdate", "EventBatch", "CheckoutIn", "NewBrand"} <= names


def test_every_string_fits_its_column() -> None:
    problems = []
    for leaf in all_leaves(the_app()):
        if not isinstance(leaf.info, mi.StrType):
            continue
        size = longest(leaf.info)
        if size is None:
            problems.append(f"{leaf}: no max_length and an unbounded pattern")
            continue
        where = columns_of(leaf)
        if isinstance(where, str) or leaf.path:  # a JSON column or a look-up, or a part of a list or dict
            continue
        for column in where:
            name = f"{column.model.__name__}.{column.model_field_name}"
            if isinstance(column, fields.CharField) and size > column.max_length:
                problems.append(f"{leaf}: up to {size} characters into {name} of {column.max_length}")
            elif not isinstance(column, fields.CharField | fields.TextField):
                problems.append(f"{leaf}: a string into {type(column).__name__} {name}")
    assert problems == []


def test_every_integer_is_bounded_and_fits_its_column() -> None:
    problems = []
    for leaf in all_leaves(the_app()):
        if isinstance(leaf.info, mi.FloatType | mi.DecimalType):
            problems.append(f"{leaf}: a float or decimal at the edge (money is integer minor units)")
        if not isinstance(leaf.info, mi.IntType):
            continue
        low, high = int_bounds(leaf.info)
        if low is None or high is None or low < INT64[0] or high > INT64[1]:
            problems.append(f"{leaf}: bounds {low}..{high} are not within int64")
            continue
        where = columns_of(leaf)
        for column in () if isinstance(where, str) else where:
            limits = next((r for kind, r in INT_RANGES.items() if type(column) is kind), None)
            if limits is None:
                problems.append(f"{leaf}: an integer into {type(column).__name__} {column.model_field_name}")
            elif low < limits[0] or high > limits[1]:
                problems.append(f"{leaf}: {low}..{high} into {type(column).__name__} {column.model_field_name}")
    assert problems == []


def test_every_derived_column_fits_its_longest_parts() -> None:
    for column, parts in DERIVED:
        size = 0
        for part in parts:
            if isinstance(part, str):
                size += len(part)
                continue
            struct, name = part
            info = next(f.type for f in mi.type_info(struct).fields if f.encode_name == name)  # type: ignore[attr-defined]
            text = [leaf.info for leaf in leaves(info, struct, name) if isinstance(leaf.info, mi.StrType)]
            size += max(longest(t) or 0 for t in text)
        assert size <= column.max_length, (column.model_field_name, size, column.max_length)


def test_every_pattern_ends_at_the_end_of_the_string() -> None:
    """``$`` alone lets a final newline through in Python; ``ids.END`` is the end in Python and ECMAScript alike."""
    loose = sorted(
        str(leaf) for leaf in all_leaves(the_app()) if _loose(leaf) and (leaf.owner, leaf.field) not in NOT_YET
    )
    assert loose == []


def _loose(leaf: Leaf) -> bool:
    info = leaf.info
    return isinstance(info, mi.StrType) and (info.pattern is None or not info.pattern.endswith(END))


def _as_leaf(key: tuple[type[msgspec.Struct], str]) -> str:
    return f"{key[0].__name__}.{key[1]}"


def _text_types() -> list[tuple[str, mi.StrType]]:
    """One (first leaf, type) per distinct string type, those NOT_YET shaped left out."""
    distinct: dict[tuple[Any, ...], tuple[str, mi.StrType]] = {}
    for leaf in all_leaves(the_app()):
        if isinstance(leaf.info, mi.StrType) and (leaf.owner, leaf.field) not in NOT_YET:
            key = (leaf.info.pattern, leaf.info.min_length, leaf.info.max_length)
            distinct.setdefault(key, (str(leaf), leaf.info))
    return list(distinct.values())


@pytest.mark.parametrize(("where", "info"), _text_types(), ids=[where for where, _ in _text_types()])
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_text_refuses_control_characters_and_a_trailing_newline(
    where: str, info: mi.StrType, data: st.DataObject
) -> None:
    pattern = info.pattern
    assert pattern is not None, f"{where}: text with no pattern takes control characters (use ids.Line)"
    low, high = info.min_length or 0, (info.max_length or 10_000) - 1
    valid = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high), label="valid")
    assert re.search(pattern, valid)
    allowed = LINE_BREAKS if pattern == MULTILINE_PATTERN else set()
    char = data.draw(st.sampled_from([c for c in CONTROL if c not in allowed]), label="control")
    at = data.draw(st.integers(0, len(valid)), label="at")
    assert not re.search(pattern, valid[:at] + char + valid[at:]), f"{where} takes {char!r}"
    if pattern != MULTILINE_PATTERN:
        assert not re.search(pattern, valid + "\n"), f"{where} takes a trailing newline"


def test_each_gap_left_to_another_part_is_still_open() -> None:
    """A NOT_YET entry whose string now refuses control characters and ends with END must go."""
    by_name = {(leaf.owner, leaf.field): leaf for leaf in all_leaves(the_app())}
    for key, why in NOT_YET.items():
        leaf = by_name.get(key)
        assert leaf is not None, f"{_as_leaf(key)} no longer exists: drop it from NOT_YET ({why})"
        assert _loose(leaf) or not _refuses_controls(leaf), f"{_as_leaf(key)} is shaped now: drop it from NOT_YET"


def _refuses_controls(leaf: Leaf) -> bool:
    pattern = leaf.info.pattern if isinstance(leaf.info, mi.StrType) else None
    return pattern is not None and not any(re.search(pattern, "a" + c) for c in CONTROL)
