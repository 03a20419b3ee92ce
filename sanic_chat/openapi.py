"""OpenAPI document and the offline Swagger UI.

Schemas come from the pydantic models themselves (`model_json_schema`), registered once as
components, because sanic-ext's own conversion drops `required` lists. The Swagger UI's files are
served from the `swagger-ui-bundle` package: many deployments have no internet to reach a CDN.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import swagger_ui_bundle
from pydantic import BaseModel
from sanic import Request, Sanic
from sanic.response import redirect
from sanic_ext import openapi
from sanic_ext.extensions.openapi import definitions
from sanic_ext.extensions.openapi.builders import OperationStore, SpecificationBuilder
from sanic_ext.extensions.openapi.types import Schema

from .errors import (
    ChatError,
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    NotFound,
    Problem,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    problem_body,
)

F = TypeVar("F", bound=Callable[..., Any])

DOCS_PREFIX = "/api/docs"
ASSETS_URI = f"{DOCS_PREFIX}/assets"
SWAGGER_PAGE = Path(__file__).with_name("swagger.html")
SWAGGER_INIT = Path(__file__).with_name("swagger-init.js")

ERROR_DESCRIPTIONS = {
    400: "Unparsable JSON body",
    401: "Missing, expired or invalid access token",
    403: "Authenticated, but not allowed to do this",
    404: "No such resource, or not visible to you",
    409: "Conflicts with existing state",
    413: "Body over 1 MiB, or request line and headers over 8 KiB",
    422: "Validation failed (body, query or an id in the path); `errors` lists the fields",
    429: "Too many requests; retry after `Retry-After` seconds",
    503: "The database is unreachable; retry later",
}
# What each error status typically carries, shown as its example; a route passes a ChatError of
# its own in `responds(errors=...)` where its answer differs.
ERROR_EXAMPLES: dict[int, dict[str, Any]] = {
    400: problem_body(400, "Malformed JSON body", "malformed_json"),
    401: Unauthorized("The access token has expired.", code="token_expired").to_problem(),
    403: Forbidden("Only the group's owner can do this.", code="not_owner").to_problem(),
    404: NotFound("No such group.", code="group_not_found").to_problem(),
    409: Conflict("That user is already a member.", code="already_member").to_problem(),
    413: problem_body(413, "Request body exceeds the size limit", "payload_too_large"),
    422: ValidationFailed(
        "The request is invalid.",
        errors=[{"field": "body.username", "message": "String should have at least 3 characters"}],
    ).to_problem(),
    426: problem_body(
        426,
        "Failed to open a WebSocket connection: invalid Connection header: keep-alive.",
        "upgrade_required",
    ),
    429: TooManyRequests(
        "Too many failed sign-ins; try again later.", code="login_rate_limited"
    ).to_problem(),
    503: DatabaseUnavailable().to_problem(),
}
# Tags in the order a newcomer uses the API, with what each holds. Tags of other plugins follow.
TAGS = {
    "auth": "Accounts and tokens. Sign in, then press *Authorize* and paste the `accessToken`.",
    "user": "Find people by username; your own profile.",
    "group": "Groups with an owner and members, and their messages.",
    "conversation": "One-to-one conversations and their messages.",
    "realtime": "The WebSocket endpoint: live events and commands.",
    "health": "Readiness, for load balancers and operators.",
}
# Realistic values for the examples, by wire field name (used where the type matches); the rest
# come from each schema's default, format and type. One vocabulary keeps examples consistent:
# the login example signs in the account that the register example creates.
SAMPLE_VALUES: dict[str, Any] = {
    "username": "alice",
    "email": "alice@example.com",
    "password": "correct horse battery",
    "title": "Weekend hike",
    "content": "See you at the trailhead at nine?",
    "accessToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsInR5cCI6ImFjY2Vzcy"
    "J9.4Xq1k9Hc2QzV7u5wN3bR0yT8pL6mS1dF2gA9eJ7cKxE",
    "refreshToken": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsInR5cCI6InJlZnJlc2"
    "gifQ.Vb8nR2tY5wQ1zL7cX3mK9pD4fH6jS0aE2gU8iO1rTyM",
    "expiresIn": 3600,
    "memberCount": 3,
    "nextCursor": 1017,
    "id": 1042,
    "status": "ok",
    "database": "ok",
    "redis": "ok",
}
SAMPLE_TIME = "2026-11-29T08:30:00Z"
# Any request can be too large, and every route reads the database.
ALWAYS_POSSIBLE = (413, 503)
# PostgreSQL text cannot hold U+0000, so the service refuses it in every string it reads
# (`validation.parse`); the pattern says so to clients and to schema-driven test tools.
NO_NUL_PATTERN = "^[^\\x00]*$"


class RawSchema(Schema):
    """A JSON schema passed through as written.

    sanic-ext turns a plain dict given as a parameter's schema into an `object` with the dict's
    keys as properties; a Schema instance is used as it is.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__()
        self._schema = schema

    def serialize(self) -> dict[str, Any]:
        return self._schema


class LinkedResponse(definitions.Response):
    """A response that can carry OpenAPI links (sanic-ext's drops fields it does not know)."""

    links: dict[str, Any]


def keep_docs(wrapper: F, wrapped: Callable[..., Any]) -> F:
    """Move OpenAPI details recorded on `wrapped` to the `wrapper` that replaces it.

    sanic-ext keys operations by function object and does not follow `__wrapped__`.
    """
    store = OperationStore()
    if wrapped in store:
        store[wrapper] = store.pop(wrapped)
    return wrapper


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """Register `model` (and the models it nests) as components; return a `$ref` to it."""
    name = model.__name__
    if not SpecificationBuilder().has_component("schemas", name):
        register_schema(model)
    return {"$ref": f"#/components/schemas/{name}"}


def register_schema(model: type[BaseModel]) -> None:
    """Make `model` the component of its name, replacing one registered before.

    For the payloads an app builds with its plugins' fields (`GroupMessageOut` with them): the
    document is the process's, so the app built last is the one it describes. The models it
    nests are registered only where missing.
    """
    builder = SpecificationBuilder()
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    for nested_name, nested in schema.pop("$defs", {}).items():
        if not builder.has_component("schemas", nested_name):
            builder.add_component("schemas", nested_name, _component(nested))
    builder.add_component("schemas", model.__name__, _component(schema))


def _component(schema: dict[str, Any]) -> dict[str, Any]:
    return without_nul(for_openapi30(schema))


def for_openapi30(schema: Any) -> Any:
    """pydantic's JSON Schema in OpenAPI 3.0 terms: `X | None` is `nullable`, not `type: null`."""
    if isinstance(schema, list):
        return [for_openapi30(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: for_openapi30(value) for key, value in schema.items()}
    options = schema.get("anyOf", [])
    if {"type": "null"} in options:
        rest = [option for option in schema.pop("anyOf") if option != {"type": "null"}]
        if len(rest) == 1 and "$ref" not in rest[0]:
            schema = {**rest[0], **schema}
        else:
            # A $ref takes no siblings in 3.0: it goes under allOf, beside `nullable`.
            schema["anyOf" if len(rest) > 1 else "allOf"] = rest
        schema["nullable"] = True
    return schema


def without_nul(schema: Any) -> Any:
    """`schema` with every free-form string declared NUL-free (see NO_NUL_PATTERN)."""
    if isinstance(schema, list):
        return [without_nul(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: without_nul(value) for key, value in schema.items()}
    if schema.get("type") == "string" and not schema.keys() & {"pattern", "format", "enum"}:
        schema["pattern"] = NO_NUL_PATTERN
    return schema


def example_of(model: type[BaseModel], *, request: bool = False) -> Any:
    """A realistic instance of `model` for the document, valid against its schema.

    A request body's example holds its required fields only (all of them when none is), and
    of alternatives (`oneOf`) the first: executed as it stands in Swagger UI it is accepted.
    """
    schema = model.model_json_schema(by_alias=True)
    return _sample(schema, schema.get("$defs", {}), request=request)


def _sample(schema: dict[str, Any], defs: dict[str, Any], name: str = "", request: bool = False):
    if "$ref" in schema:
        return _sample(defs[schema["$ref"].rsplit("/", 1)[1]], defs, name, request)
    for keyword in ("example", "default"):
        if schema.get(keyword) is not None:
            return schema[keyword]
    if schema.get("examples"):
        return schema["examples"][0]
    options = [s for s in schema.get("anyOf", schema.get("allOf", ())) if s != {"type": "null"}]
    if options:
        return _sample(options[0], defs, name, request)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        chosen = set(properties)
        if request:
            required = set(schema.get("required", ()))
            alternatives = schema.get("oneOf", ())
            if alternatives:
                required |= set(alternatives[0].get("required", ()))
            chosen = required or chosen
        return {
            key: _sample(value, defs, key, request)
            for key, value in properties.items()
            if key in chosen
        }
    if kind == "array":
        return [_sample(schema.get("items", {}), defs, name, request)]
    sample = SAMPLE_VALUES.get(name)
    python_type = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    if sample is not None and isinstance(sample, python_type.get(kind, object)):
        return sample
    if kind == "string":
        return {
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sanic-chat/{name}")),
            "date-time": SAMPLE_TIME,
        }.get(schema.get("format"), "text")
    if kind == "integer":
        return min(max(1042, schema.get("minimum", 1042)), schema.get("maximum", 1042))
    if kind == "boolean":
        return False
    return None


def problem_example(status: int, error: ChatError | None = None) -> dict[str, Any]:
    """An error response's example: the route's own error, else the status's typical one."""
    if error is not None:
        return error.to_problem()
    return ERROR_EXAMPLES.get(status) or problem_body(status, "Error", "error")


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters for each field of `model`, typed as the model validates them."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = {k: v for k, v in field_schema.items() if k not in ("title", "description")}
        # A query value is never null: an optional field is one you leave out.
        options = [s for s in field_schema.pop("anyOf", ()) if s.get("type") != "null"]
        if len(options) == 1:
            field_schema = {**options[0], **field_schema}
        if field_schema.get("default", ...) is None:
            del field_schema["default"]
        parameter = {
            "name": name,
            "schema": RawSchema(without_nul(field_schema)),
            "location": "query",
            "required": name in required,
        }
        description = model.model_fields[_field_name(model, name)].description
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _field_name(model: type[BaseModel], alias: str) -> str:
    for field_name, field in model.model_fields.items():
        if (field.alias or field_name) == alias:
            return field_name
    return alias


def path_parameter(name: str, description: str, schema: dict[str, Any] | None = None):
    """Document a path parameter (a UUID unless `schema` says otherwise).

    Route parameters are `str` so that a malformed id is a 422 naming it rather than a 404.
    """
    parameter_schema = RawSchema(schema or {"type": "string", "format": "uuid"})
    return openapi.parameter(name, parameter_schema, "path", description=description, required=True)


def responds(
    status: int,
    model: type[BaseModel] | None = None,
    description: str = "Success",
    *,
    errors: Iterable[int] | dict[int, str | ChatError] = (),
    links: dict[str, dict[str, Any]] | None = None,
    implied: bool = True,
) -> Callable[[F], F]:
    """Document a success response and every error status the route can answer.

    Apply it above the route's other decorators: the statuses they imply are read from what
    they documented (a JSON body: 400 and 422; query or path parameters: 422; a bearer token:
    401), plus 413 and 503, which any route can answer. `errors` adds the route's own statuses,
    optionally with descriptions of their own, or with the error itself (its detail describes
    the status and its problem document is the example). `links` are OpenAPI links from the success
    response to the operations its ids lead to (by operationId: `method~blueprint.handler`).
    `implied=False` documents only the statuses given (a WebSocket handshake answers no other).
    """

    def decorator(handler: F) -> F:
        operation = OperationStore()[handler]
        content = {"application/json": json_content(model)} if model else None
        # No content at all for a 204, rather than sanic-ext's `*/*` placeholder.
        operation.responses[status] = LinkedResponse(
            content=definitions.MediaType.all(content) if content else None,
            description=description,
            links=links,
        )
        statuses = implied_statuses(operation) if implied else {}
        own = errors if isinstance(errors, dict) else dict.fromkeys(errors, "")
        for error_status, documented in {**statuses, **own}.items():
            error = documented if isinstance(documented, ChatError) else None
            text = error.detail if error else documented
            operation.responses.pop(error_status, None)
            example = problem_example(error_status, error)
            operation.response(
                error_status,
                {"application/problem+json": {"schema": schema_ref(Problem), "example": example}},
                text or ERROR_DESCRIPTIONS.get(error_status, "Error"),
            )
        operation.responses = dict(sorted(operation.responses.items(), key=lambda kv: kv[0]))
        return handler

    return decorator


def implied_statuses(operation: Any) -> dict[int, str]:
    """The error statuses an operation's documented inputs imply (see `responds`)."""
    statuses = dict.fromkeys(ALWAYS_POSSIBLE, "")
    if getattr(operation, "requestBody", None):
        statuses.update({400: "", 422: ""})
    if operation.parameters:
        statuses[422] = ""
    if operation.security:
        statuses[401] = ""
    return statuses


def json_content(model: type[BaseModel], *, request: bool = False) -> dict[str, Any]:
    """A JSON media type of `model`: its schema and an example."""
    return {"schema": schema_ref(model), "example": example_of(model, request=request)}


def document_websockets(app: Sanic) -> None:
    """Let WebSocket handlers be documented like any route.

    Sanic registers a WebSocket route as a `partial` around the handler, and sanic-ext looks
    the partial up: the handler's documentation is copied there before the document is built.
    """
    store = OperationStore()
    for route in app.router.routes:
        handler = route.handler
        if route.extra.websocket and isinstance(handler, partial) and handler.args[0] in store:
            # Copied, not moved: every app in the process wraps the same handler anew.
            store[handler] = store[handler.args[0]]


def configure_openapi(app: Sanic, title: str, version: str) -> None:
    """Serve the OpenAPI document at /api/docs/openapi.json and a local Swagger UI."""
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    app.config.update(
        {
            "API_TITLE": title,
            "API_VERSION": version,
            "API_DESCRIPTION": (
                "Real-time group and one-to-one chat. Authenticate with "
                "`Authorization: Bearer <accessToken>` from `POST /api/auth/login`. "
                "Every error is an RFC 7807 `application/problem+json` document."
            ),
            "OAS_URL_PREFIX": DOCS_PREFIX,
            "OAS_UI_DEFAULT": "swagger",
            "OAS_UI_REDOC": False,
            "OAS_UI_SWAGGER_CDN_URL": ASSETS_URI,
            "OAS_UI_SWAGGER_VERSION": "",
            "OAS_PATH_TO_SWAGGER_HTML": str(SWAGGER_PAGE),
            "OAS_UI_SWAGGER_HTML_TITLE": f"{title} API",
            "SWAGGER_UI_CONFIGURATION": {
                "validatorUrl": None,
                "persistAuthorization": True,
                "docExpansion": "list",
            },
        }
    )
    app.static(ASSETS_URI, assets, name="swagger_assets")
    app.static(f"{DOCS_PREFIX}/swagger-init.js", SWAGGER_INIT, name="swagger_init")
    app.ext.openapi.add_security_scheme("bearer", "http", scheme="bearer", bearer_format="JWT")
    # Registered before any route is, so these come first and in this order.
    specification = SpecificationBuilder()
    for name, description in TAGS.items():
        specification.tag(name, description)
    # Before sanic-ext builds the document (its listener has priority -1000).
    app.before_server_start(document_websockets, priority=0)

    @app.get("/api", name="docs_redirect")
    @openapi.exclude()
    async def docs_redirect(request: Request):
        # The seed served Swagger at /api; keep that address working.
        return redirect(DOCS_PREFIX)
