"""Reading the posted form, and putting the services' field errors back beside its fields.

A form post is untrusted text: each field is read once, trimmed, and cut to a length no field
of ours reaches, so that validation (not this reading) says what is wrong with it. The cart
service names its errors after its JSON body (``body.quantity``, ``body.fulfilment.postcode``,
``body.personalisation[0].value``...); :func:`form_field` maps them to the form's field names,
so each error is shown next to the field the shopper can change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

import msgspec
from litestar.datastructures import FormMultiDict

from storefront.decoding import split_location
from storefront.errors import FieldError
from storefront.fulfilment.messages import MALFORMED_POSTCODE

PERSONALISATION = "personalisation."
MAX_FIELD = 200  # longer than any field of ours: cut, and let validation say what is wrong
_PERSONALISATION_FIELD = re.compile(r"^body\.personalisation\[(\d+)\]")

# Friendlier words for what msgspec says about a field the browser should have caught.
FIELD_HELP: dict[str, str] = {
    "quantity": "Choose a quantity from 1 to 99.",
    "method": "Choose how you'd like it.",
    "location": "Choose a shop.",
    "postcode": MALFORMED_POSTCODE,
    "email": "Enter an email address, like ada@example.com.",
    "name": "Keep the name under 200 characters.",
}


def form_value(form: FormMultiDict, name: str) -> str:
    """The field's last value (a later field wins, as in the cart API), trimmed; "" when absent."""
    values = form.getall(name) if name in form else []
    value = values[-1] if values else ""
    return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""


def parse_cart_id(value: str) -> uuid.UUID | None:
    """The posted cart id, or None when there is none or it is not one: the action then starts a cart."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def sentence(message: str) -> str:
    """A service's message as the shopper reads it: capitalised, with a full stop."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def form_field(field: str, options: list[str]) -> str:
    """Where a cart error's ``field`` sits on the form; "" is the form as a whole.

    ``body.personalisation[1].value`` is ``personalisation.<handle>`` of the second option sent:
    ``options`` are the personalisation handles in the order they were sent.
    """
    if field == "body.quantity":
        return "quantity"
    if field.startswith("body.fulfilment"):
        tail = field.removeprefix("body.fulfilment").lstrip(".")
        return tail if tail in ("postcode", "location") else "method"
    match = _PERSONALISATION_FIELD.match(field)
    if match:
        index = int(match.group(1))
        return PERSONALISATION + options[index] if index < len(options) else "personalisation"
    if field.startswith("body.personalisation"):
        return "personalisation"
    return ""


def field_errors(
    errors: Iterable[FieldError], options: list[str], *, friendly: bool
) -> tuple[dict[str, str], str | None]:
    """Errors by form field, and the message for those no field explains."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        where = form_field(error.field, options)
        text = FIELD_HELP.get(where, "") if friendly else ""
        text = text or sentence(error.message)
        if where:
            by_field.setdefault(where, text)
        else:
            general.append(text)
    return by_field, " ".join(general) or None


def validation_errors(exc: msgspec.ValidationError) -> list[FieldError]:
    """msgspec's one error as the cart service would name it, so :func:`field_errors` maps both alike."""
    message, path = split_location(str(exc))
    return [FieldError("body" + path, message)]
