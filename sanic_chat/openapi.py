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
from sanic_ext.extensions.openapi.builders import OperationStore, SpecificationBuilder

from .errors import Problem

F = TypeVar("F", bound=Callable[..., Any])

DOCS_PREFIX = "/api/docs"
ASSETS_URI = f"{DOCS_PREFIX}/assets"
SWAGGER_PAGE = Path(__file__).with_name("swagger.html")
SWAGGER_INIT = Path(__file__).with_name("swagger-init.js")

ERROR_DESCRIPTIONS = {
    400: "Malformed request (unparsable JSON, bad id)",
    401: "Missing, expired or invalid access token",
    403: "Authenticated, but not allowed to do this",
    404: "No such resource, or not visible to you",
    409: "Conflicts with existing state",
    422: "Validation failed; `errors` lists the fields",
    429: "Too many requests; retry after `Retry-After` seconds",
}


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
                builder.add_component("schemas", nested_name, nested)
        builder.add_component("schemas", name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters for each field of `model`."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        parameter = {
            "name": name,
            "schema": field_schema,
            "location": "query",
            "required": name in required,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def responds(
    status: int,
    model: type[BaseModel] | None = None,
    description: str = "Success",
    *,
    errors: Iterable[int] = (),
) -> Callable[[F], F]:
    """Document the success response and the error statuses a route can return."""

    def decorator(handler: F) -> F:
        content = {"application/json": schema_ref(model)} if model else None
        handler = openapi.response(status, content, description)(handler)
        problem = {"application/problem+json": schema_ref(Problem)}
        for error_status in sorted(set(errors) | {400}):
            handler = openapi.response(
                error_status, problem, ERROR_DESCRIPTIONS.get(error_status, "Error")
            )(handler)
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
