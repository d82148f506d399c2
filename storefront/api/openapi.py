"""OpenAPI: the config, and the contract rules every operation shares, added in one place.

Litestar documents each handler's own parameters and body; what the middleware does for all
routes (bearer auth, ``Idempotency-Key`` on writes, problem-details errors) is invisible to
it, so :func:`complete_schema` adds those to the generated document once, at start-up.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import (
    Components,
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
_ERRORS_READ = {
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
    problem_ref = Reference(ref="#/components/schemas/ProblemDetails")
    for path, item in (schema.paths or {}).items():
        if not path.startswith("/v1"):
            continue
        for method in ("get", *_WRITE_METHODS):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            errors = _ERRORS_WRITE if method in _WRITE_METHODS else _ERRORS_READ
            responses = operation.responses if operation.responses is not None else {}
            for status, description in errors.items():
                responses[status] = OpenAPIResponse(
                    description=description, content={PROBLEM_JSON: OpenAPIMediaType(schema=problem_ref)}
                )
            operation.responses = responses
            if method in _WRITE_METHODS:
                params = list(operation.parameters or [])
                params.append(
                    Parameter(
                        name="Idempotency-Key",
                        param_in="header",
                        required=False,
                        description="1-255 visible ASCII characters; retries with the same key replay the first "
                        "response, and the same key with a different request is a 409.",
                        schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
                    )
                )
                operation.parameters = params


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
