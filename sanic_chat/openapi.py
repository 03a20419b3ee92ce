"""OpenAPI document and the offline Swagger UI.

Schemas come from the pydantic models themselves (`model_json_schema`), registered once as
components, because sanic-ext's own conversion drops `required` lists. The Swagger UI's files are
served from the `swagger-ui-bundle` package: many deployments have no internet to reach a CDN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

from .errors import Problem

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
    builder = SpecificationBuilder()
    name = model.__name__
    if not builder.has_component("schemas", name):
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        for nested_name, nested in schema.pop("$defs", {}).items():
            if not builder.has_component("schemas", nested_name):
                builder.add_component("schemas", nested_name, _component(nested))
        builder.add_component("schemas", name, _component(schema))
    return {"$ref": f"#/components/schemas/{name}"}


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
    errors: Iterable[int] | dict[int, str] = (),
    links: dict[str, dict[str, Any]] | None = None,
) -> Callable[[F], F]:
    """Document a success response and every error status the route can answer.

    Apply it above the route's other decorators: the statuses they imply are read from what
    they documented (a JSON body: 400 and 422; query or path parameters: 422; a bearer token:
    401), plus 413 and 503, which any route can answer. `errors` adds the route's own statuses,
    optionally with descriptions of their own. `links` are OpenAPI links from the success
    response to the operations its ids lead to (by operationId: `method~blueprint.handler`).
    """

    def decorator(handler: F) -> F:
        operation = OperationStore()[handler]
        content = {"application/json": schema_ref(model)} if model else None
        # No content at all for a 204, rather than sanic-ext's `*/*` placeholder.
        operation.responses[status] = LinkedResponse(
            content=definitions.MediaType.all(content) if content else None,
            description=description,
            links=links,
        )
        implied = dict.fromkeys(ALWAYS_POSSIBLE, "")
        if getattr(operation, "requestBody", None):
            implied.update({400: "", 422: ""})
        if operation.parameters:
            implied[422] = ""
        if operation.security:
            implied[401] = ""
        own = errors if isinstance(errors, dict) else dict.fromkeys(errors, "")
        problem = {"application/problem+json": schema_ref(Problem)}
        for error_status, text in {**implied, **own}.items():
            operation.responses.pop(error_status, None)
            operation.response(
                error_status, problem, text or ERROR_DESCRIPTIONS.get(error_status, "Error")
            )
        operation.responses = dict(sorted(operation.responses.items(), key=lambda kv: kv[0]))
        return handler

    return decorator


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

    @app.get("/api", name="docs_redirect")
    @openapi.exclude()
    async def docs_redirect(request: Request):
        # The seed served Swagger at /api; keep that address working.
        return redirect(DOCS_PREFIX)
