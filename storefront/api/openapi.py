"""OpenAPI: the config, and the contract rules every operation shares, added in one place.

Litestar documents each handler's own parameters and body; what the middleware does for all
routes (bearer auth, ``Idempotency-Key`` on writes, problem-details errors) is invisible to
it, so :func:`complete_schema` adds those to the generated document once, at start-up.

It also corrects what Litestar writes where that says less than the app does, so that the
document validates as OpenAPI 3.1, a generated client keeps every operation's types
(``tests/api/test_openapi_document.py`` checks both, with ``openapi-spec-validator`` and
``openapi-python-client``) and a fuzzer's "valid" requests are ones the app accepts
(``tests/test_fuzz_openapi.py``):

- each body schema is msgspec's own description of its Struct (``msgspec.json.schema_components``),
  since msgspec is what decodes and encodes the bodies: Litestar drops constraints inside
  optional fields and list or tuple members, writes an optional field as a ``oneOf`` with
  ``null`` (an overlap when the other branch can be null too), and never says that a request
  Struct refuses unknown fields (``additionalProperties: false``);

- the ``400`` Litestar adds to any operation with parameters describes its own
  ``{status_code, detail, extra}`` body, with an ``extra`` typed as null, object *or* array,
  which client generators cannot read, so they drop the whole operation's responses. The app
  never sends that body (``api/problems.py`` answers every validation error as problem
  details), so the 400 is replaced by the problem details schema, as the other errors are
  (with ``text/html`` beside it on fragment routes, which answer errors as error fragments);
- a tuple (``tuple[str, str]``) is written as ``prefixItems`` with no length, which also
  admits ``[a, b, c]`` where msgspec only takes a pair. Its length is pinned, and a tuple whose
  members share one schema (every one we have: opening hours, delivery windows) becomes the
  equivalent ``items`` with ``minItems`` = ``maxItems``: generators and fuzzers that still read
  ``prefixItems`` the 3.0 way (schemathesis 4 validates responses with it turned into the 3.0
  ``items: [...]`` form, then rejects that as 3.1) see a plain list of two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, cast

import msgspec
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType

from storefront.api.problems import PROBLEM_JSON

_WRITE_METHODS = ("post", "put", "patch", "delete")
_HTML = "text/html"
_REF = "#/components/schemas/"
_ERRORS_READ = {
    "400": "Malformed request: a parameter or header the API cannot read",
    "401": "No, malformed, unknown or revoked key",
    "403": "The key may not do this (or origin not allowed)",
    "404": "Not found, or another brand's object",
    "422": "Invalid input",
}
_ERRORS_WRITE = {
    **_ERRORS_READ,
    "400": "Malformed request or Idempotency-Key",
    "409": "Conflict: duplicate handle, or the Idempotency-Key was used for a different request",
    "413": "Body too large",
}


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Stallkit storefront API",
        version="1",
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        description=(
            "Headless commerce for microbrands. Authenticate with `Authorization: Bearer <key>`: publishable "
            "keys (`pk_`) read the catalogue, secret keys (`sk_`) do everything for their brand. Every error is an "
            "RFC 9457 problem details body. Writes accept `Idempotency-Key`: a replay returns the first response."
        ),
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
        security=[{"bearer": []}],
    )


def complete_schema(app: Litestar) -> None:
    """Add the shared error responses, the problem schema and ``Idempotency-Key`` to every operation."""
    schema = app.openapi_schema
    components = schema.components
    if components.schemas is None:
        components.schemas = {}
    components.schemas["ProblemDetails"] = _problem_schema()
    problem_ref = Reference(ref=_REF + "ProblemDetails")
    _schemas_from_msgspec(components.schemas)
    _pin_tuple_lengths(schema)
    for path, item in (schema.paths or {}).items():
        for method in ("get", *_WRITE_METHODS):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            if not path.startswith("/v1"):
                # Outside the API (assets, health) no key is needed, but a parameter can be bad or
                # name nothing: the 400 Litestar documents is not what is sent, and 404 and 422 are.
                if operation.parameters:
                    responses = operation.responses if operation.responses is not None else {}
                    for status in ("400", "404", "422"):
                        responses[status] = OpenAPIResponse(
                            description=_ERRORS_READ[status],
                            content={PROBLEM_JSON: OpenAPIMediaType(schema=problem_ref)},
                        )
                    operation.responses = responses
                continue
            errors = _ERRORS_WRITE if method in _WRITE_METHODS else _ERRORS_READ
            responses = operation.responses if operation.responses is not None else {}
            error_content = {PROBLEM_JSON: OpenAPIMediaType(schema=problem_ref)}
            if _answers_html(responses):
                # A fragment route (components) answers an error as an error fragment a page can show.
                error_content[_HTML] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
            for status, description in errors.items():
                responses[status] = OpenAPIResponse(description=description, content=dict(error_content))
            operation.responses = responses
            if method in _WRITE_METHODS:
                params = list(operation.parameters or [])
                params.append(
                    Parameter(
                        name="Idempotency-Key",
                        param_in="header",
                        required=False,
                        description="1-255 visible ASCII characters (with a publishable key, a random UUID); "
                        "retries with the same key replay the first response, and the same key with a different "
                        "request is a 409.",
                        schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255, pattern=r"^[!-~]+$"),
                    )
                )
                if path == "/v1/webhooks/stripe":
                    # Read from the raw request, so Litestar cannot see it; without it the answer is a 400.
                    params.append(
                        Parameter(
                            name="Stripe-Signature",
                            param_in="header",
                            required=True,
                            description="Stripe's signature of the body (t=<unix time>,v1=<HMAC-SHA256>)",
                            schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=2000),
                        )
                    )
                operation.parameters = params


def _schemas_from_msgspec(schemas: dict[str, Schema]) -> None:
    """Replace each component written for a Struct by msgspec's schema of it, when that is unambiguous.

    A component is matched to a Struct by name (Litestar titles it with the class name); a name
    two Struct classes share, or a schema referring to one, keeps Litestar's version, as does a
    type msgspec cannot describe. Generic components (``Page[...]``) have no class of that
    name and keep Litestar's too; their items are references to replaced components.
    """
    classes: dict[str, list[type[msgspec.Struct]]] = {}
    for cls in _struct_classes(msgspec.Struct):
        classes.setdefault(cls.__name__, []).append(cls)

    def unique(name: str) -> bool:
        return len(classes.get(name, [])) == 1 and name in schemas

    for name, written in list(schemas.items()):
        title = written.title if isinstance(written, Schema) and written.title else name
        if title != name or not unique(name):
            continue
        cls = classes[name][0]
        try:
            _, generated = msgspec.json.schema_components([cls], ref_template=_REF + "{name}")
        except (TypeError, ValueError):
            continue
        own = generated.get(name)
        if own is None or not all(unique(ref) for ref in _refs(own)):
            continue
        _keep_date_times(own, written)
        # A plain dict is serialised as it is (Litestar's spec objects render nested dicts unchanged).
        schemas[name] = cast("Schema", _tuples_as_lists(own))


def _keep_date_times(own: dict[str, Any], written: Schema) -> None:
    """msgspec leaves ``format: date-time`` off a plain ``datetime`` (it would also take a naive one); ours
    are aware UTC instants, as Litestar says, and a client should read them as datetimes."""
    for name, prop in (own.get("properties") or {}).items():
        theirs = (written.properties or {}).get(name)
        if not isinstance(theirs, Schema) or not any(
            isinstance(s, Schema) and s.format == "date-time" for s in [theirs, *(theirs.one_of or [])]
        ):
            continue
        for node in [prop, *prop.get("anyOf", [])]:
            if node.get("type") == "string" and "format" not in node:
                node["format"] = "date-time"


def _struct_classes(root: type[msgspec.Struct]) -> Iterator[type[msgspec.Struct]]:
    for cls in root.__subclasses__():
        yield cls
        yield from _struct_classes(cls)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            yield ref.removeprefix(_REF)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _tuples_as_lists(node: Any) -> Any:
    """msgspec's tuples (``prefixItems``, ``items: false``) as lists of one length where members are alike."""
    if isinstance(node, list):
        return [_tuples_as_lists(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _tuples_as_lists(value) for key, value in node.items()}
    members = node.get("prefixItems")
    if isinstance(members, list) and members and node.get("items") in (None, False):
        node["minItems"] = node["maxItems"] = len(members)
        if all(member == members[0] for member in members):
            node["items"] = members[0]
            del node["prefixItems"]
        else:
            node.pop("items", None)
    return node


def _answers_html(responses: dict[str, OpenAPIResponse | Reference]) -> bool:
    return any(
        status.startswith("2") and isinstance(response, OpenAPIResponse) and _HTML in (response.content or {})
        for status, response in responses.items()
    )


def _pin_tuple_lengths(document: OpenAPI) -> None:
    """Give every ``prefixItems`` array the one length msgspec accepts; one of like members becomes ``items``."""
    seen: set[int] = set()

    def visit(node: object) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Schema):
            if node.prefix_items and node.items is None:
                node.min_items = node.max_items = len(node.prefix_items)
                if all(member == node.prefix_items[0] for member in node.prefix_items):
                    node.items, node.prefix_items = node.prefix_items[0], None
            for field in dataclasses.fields(node):
                visit(getattr(node, field.name))
        elif isinstance(node, list | tuple):
            for value in node:
                visit(value)
        elif isinstance(node, dict):
            for value in node.values():
                visit(value)

    visit(list((document.components.schemas or {}).values()))
    for item in (document.paths or {}).values():
        for method in ("get", *_WRITE_METHODS):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            visit([parameter.schema for parameter in operation.parameters or [] if isinstance(parameter, Parameter)])
            body = operation.request_body
            media = [] if body is None or isinstance(body, Reference) else list((body.content or {}).values())
            for response in (operation.responses or {}).values():
                if isinstance(response, OpenAPIResponse):
                    media.extend((response.content or {}).values())
            visit([m.schema for m in media])


def _problem_schema() -> Schema:
    text = Schema(type=OpenAPIType.STRING)
    field_error = Schema(
        type=OpenAPIType.OBJECT, required=["field", "message"], properties={"field": text, "message": text}
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "title", "status", "detail", "code"],
        properties={
            "type": text,
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": text,
            "code": Schema(type=OpenAPIType.STRING, description="stable snake_case error code"),
            "instance": text,
            "errors": Schema(type=OpenAPIType.ARRAY, items=field_error),
        },
        description="RFC 9457 problem details",
    )
