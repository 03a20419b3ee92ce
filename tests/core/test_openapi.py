"""The OpenAPI document as Swagger UI uses it: examples, tags, the WebSocket endpoint, the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from tests.database import database_prefix, migrated_database
from tests.settings import TEST_SETTINGS


@pytest.fixture
async def spec(client) -> dict[str, Any]:
    _, response = await client.get("/api/docs/openapi.json")
    assert response.status == 200
    return response.json


def operations(spec: dict[str, Any]):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def example_errors(spec: dict[str, Any], media: dict[str, Any]) -> list[str]:
    """How `media`'s example breaks its schema (components resolved, formats checked)."""
    schema = {**media["schema"], "components": spec["components"]}
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    return [error.message for error in validator.iter_errors(media["example"])]


async def test_document_is_valid_and_every_operation_is_typed_and_exemplified(spec):
    assert not list(OpenAPIV30SpecValidator(spec).iter_errors())
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("summary") and operation.get("tags"), where
        for parameter in operation.get("parameters", ()):
            # A typed scalar: Swagger UI asks for JSON when a parameter is an object.
            assert parameter["schema"].get("type") in ("string", "integer"), (where, parameter)
            assert parameter.get("description") or parameter["in"] == "path", (where, parameter)
        body = operation.get("requestBody")
        media_types = list(body["content"].values()) if body else []
        for status, response in operation["responses"].items():
            assert response.get("description"), (where, status)
            # Every answer has a body but a WebSocket upgrade's and a 204's.
            assert response.get("content") or status in ("101", "204"), (where, status)
            media_types += response.get("content", {}).values()
        for media in media_types:
            assert "example" in media, where
            assert example_errors(spec, media) == [], where


async def test_error_examples_are_problem_documents_of_their_status(spec):
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            example = response["content"]["application/problem+json"]["example"]
            assert example["status"] == int(status), (method, path, status)
            assert re.fullmatch(r"[a-z_]+", example["code"]), (method, path, status)
    login = spec["paths"]["/api/auth/login"]["post"]["responses"]
    assert login["401"]["content"]["application/problem+json"]["example"]["code"] == (
        "invalid_credentials"
    )
    invalid = spec["paths"]["/api/group"]["post"]["responses"]["422"]
    assert invalid["content"]["application/problem+json"]["example"]["errors"]


SOME_ID = "5b3e5f0c-2a44-4f7e-9d3e-0f6c1b2a7d91"


def _filled(path: str, operation: dict[str, Any]) -> str:
    """`path` with each path parameter replaced by a value its schema accepts."""
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "path":
            value = "1042" if parameter["schema"]["type"] == "integer" else SOME_ID
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


async def test_request_body_examples_are_accepted_as_they_stand(spec, postgres_server):
    """Executed unchanged from Swagger UI, no prefilled body is refused as invalid.

    On a database of its own: the register example creates alice, a name other tests take.
    """
    async with migrated_database(postgres_server, database_prefix()) as url:
        client = create_app(load_settings(DATABASE_URL=url, **TEST_SETTINGS)).asgi_client
        requests = {
            f"{method.upper()} {path}": (method, path, operation)
            for path, method, operation in operations(spec)
            if "requestBody" in operation
        }
        # The register example creates the account the login example signs in to.
        answers = {}
        headers: dict[str, str] = {}
        for name in ("POST /api/auth/register", "POST /api/auth/login", *requests):
            method, path, operation = requests[name]
            example = operation["requestBody"]["content"]["application/json"]["example"]
            _, response = await client.request(
                method, _filled(path, operation), json=example, headers=headers
            )
            answers.setdefault(name, response.status)
            assert response.status not in (400, 422), (method, path, response.text)
            if name == "POST /api/auth/login" and not headers:
                headers = {"Authorization": f"Bearer {response.json['accessToken']}"}
    assert answers["POST /api/auth/register"] == 201
    assert answers["POST /api/auth/login"] == 200
    assert answers["POST /api/group"] == 201


async def test_tags_come_in_order_with_descriptions(spec):
    names = [tag["name"] for tag in spec["tags"]]
    assert names[:6] == ["auth", "user", "group", "conversation", "realtime", "health"]
    assert all(tag.get("description") for tag in spec["tags"][:6])
    used = {tag for _, _, operation in operations(spec) for tag in operation["tags"]}
    assert used <= set(names)


async def test_websocket_endpoint_is_described(spec):
    handshake = spec["paths"]["/ws"]["get"]
    assert handshake["tags"] == ["realtime"]
    assert "WebSocket" in handshake["summary"]
    assert "4401" in handshake["description"]
    assert {p["name"] for p in handshake["parameters"]} == {"token", "since"}
    assert set(handshake["responses"]) == {"101", "400", "426"}
    assert "content" not in handshake["responses"]["101"]


async def test_websocket_endpoint_answers_plain_http_as_documented(http):
    """What Swagger UI's *Execute* gets: a 426 problem document, as the document says."""
    response = await http.get("/ws")
    assert response.status_code == 426
    assert response.json()["code"] == "upgrade_required"


async def test_docs_page_is_titled_after_the_service(client):
    _, response = await client.get("/api/docs")
    assert "<title>sanic-chat API</title>" in response.text
