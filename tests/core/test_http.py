"""What every HTTP response shares: the error shape, the docs, CORS, health."""

from __future__ import annotations

import re
import uuid

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from sanic_chat import hookimpl
from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from tests.problem import assert_problem
from tests.settings import TEST_SETTINGS


class Exploding:
    """A throwaway plugin whose route fails the way a bug would."""

    @hookimpl
    def chat_register_blueprints(self):
        from sanic import Blueprint

        bp = Blueprint("exploding", url_prefix="/api/explode")

        @bp.get("/")
        async def explode(request):
            raise RuntimeError("secret internals: password=hunter2")

        return [bp]


@pytest.fixture
def plugins():
    return [Exploding()]


async def test_every_error_is_a_problem_document(client):
    _, response = await client.get("/api/no/such/route")
    assert_problem(response, 404, "not_found")
    _, response = await client.delete("/api/user/me")
    assert_problem(response, 405, "method_not_allowed")
    _, response = await client.post("/api/auth/login", json={})
    assert_problem(response, 422, "validation_failed")


async def test_a_405_lists_the_allowed_methods_on_paths_with_parameters(client):
    # Sanic's router names them on static paths only; RFC 9110 requires `Allow` on every 405.
    for path, allowed in [
        ("/api/group", {"GET", "POST"}),
        (f"/api/group/{uuid.uuid4()}/message", {"GET", "POST"}),
        (f"/api/group/{uuid.uuid4()}/message/1", {"PATCH", "DELETE"}),
    ]:
        _, response = await client.put(path)
        assert_problem(response, 405, "method_not_allowed")
        methods = {method.strip() for method in response.headers["allow"].split(",")}
        assert methods - {"HEAD", "OPTIONS"} == allowed, (path, methods)


async def test_unexpected_errors_are_a_bare_500(client):
    _, response = await client.get("/api/explode")
    problem = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert set(problem) == {"type", "title", "status", "code", "requestId"}


async def test_health_checks_the_database(client):
    _, response = await client.get("/api/health/ready")
    assert response.status == 200
    assert response.json == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_gone():
    settings = load_settings(
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere", **TEST_SETTINGS
    )
    app = create_app(settings)
    _, response = await app.asgi_client.get("/api/health/ready")
    problem = assert_problem(response, 503, "database_unavailable")
    assert problem["detail"] == "Not answering: database; retry shortly."  # no exception class
    assert response.headers["retry-after"] == "5"
    # Liveness asks nothing of the database: the worker itself answers.
    _, response = await app.asgi_client.get("/api/health")
    assert (response.status, response.json) == (200, {"status": "ok"})


async def test_docs_redirect_and_are_served_without_a_cdn(client):
    _, response = await client.get("/api", follow_redirects=False)
    assert response.status == 302
    assert response.headers["location"] == "/api/docs"

    _, response = await client.get("/api/docs")
    assert response.status == 200
    page = response.text
    assert not re.search(r"https?://", page), "the UI must not load anything from the internet"
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        _, served = await client.get(asset)
        assert served.status == 200, asset


async def test_openapi_documents_every_route_with_its_errors(client):
    _, response = await client.get("/api/docs/openapi.json")
    assert response.status == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    paths = spec["paths"]
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh-token",
        "/api/auth/logout",
        "/api/user/search",
        "/api/user/me",
        "/api/group",
        "/api/group/{group_id}/message",
        "/api/conversation",
        "/api/conversation/{conversation_id}/message/{message_id}",
    ]:
        assert any(p.rstrip("/") == path for p in paths), path
    register = paths["/api/auth/register"]["post"]
    assert "422" in register["responses"]
    problem_ref = register["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem_ref == {"$ref": "#/components/schemas/Problem"}
    body = register["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"email", "username", "password"}
    me = paths["/api/user/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert "401" in me["responses"]


async def test_openapi_document_is_valid_openapi_3_0(client):
    _, response = await client.get("/api/docs/openapi.json")
    assert response.json["openapi"].startswith("3.0.")
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in OpenAPIV30SpecValidator(response.json).iter_errors()
    ]
    assert errors == []


async def test_openapi_parameters_have_their_real_types(client):
    """Swagger UI builds its forms from these: an `object` would make it ask for JSON."""
    _, response = await client.get("/api/docs/openapi.json")
    paths = response.json["paths"]
    search = {p["name"]: p for p in paths["/api/user/search"]["get"]["parameters"]}
    assert search["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 50,
        "default": 20,
    }
    assert search["username"]["schema"]["type"] == "string"
    assert search["username"]["required"] is True
    history = {p["name"]: p for p in paths["/api/group/{group_id}/message"]["get"]["parameters"]}
    assert history["before"]["schema"]["type"] == "integer"
    assert history["before"]["required"] is False
    assert history["group_id"]["schema"] == {"type": "string", "format": "uuid"}
    edit = paths["/api/conversation/{conversation_id}/message/{message_id}"]["patch"]
    message_id = next(p for p in edit["parameters"] if p["name"] == "message_id")
    assert message_id["in"] == "path"
    assert message_id["schema"]["type"] == "integer"
    for path, operations in paths.items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                assert parameter["schema"].get("type") in ("string", "integer"), (path, method)


async def test_openapi_documents_every_status_a_route_answers(client):
    _, response = await client.get("/api/docs/openapi.json")
    paths = response.json["paths"]
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, operations in paths.items():
        if path in ("/ws", "/api/explode"):  # the WebSocket handshake; this module's own route
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            # Any request can be too large; every route reads the database.
            assert {"413", "503"} <= responses.keys(), (path, method)
            for status, documented in responses.items():
                if status >= "400":
                    schema = documented["content"]["application/problem+json"]["schema"]
                    assert schema == problem, (path, method, status)
            if "requestBody" in operation:
                assert {"400", "422"} <= responses.keys(), (path, method)
            if operation.get("parameters"):
                assert "422" in responses, (path, method)
            if operation.get("security"):
                assert "401" in responses, (path, method)
    # A second request for the same pair, or a retried clientId, answers 200.
    assert {"200", "201"} <= paths["/api/conversation"]["post"]["responses"].keys()
    for room in ("group/{group_id}", "conversation/{conversation_id}"):
        assert {"200", "201"} <= paths[f"/api/{room}/message"]["post"]["responses"].keys()
    assert "content" not in paths["/api/auth/logout"]["post"]["responses"]["204"]
    # Logout and refresh may send no body at all (the cookie carries the token).
    assert paths["/api/auth/logout"]["post"]["requestBody"]["required"] is False
    assert paths["/api/auth/register"]["post"]["requestBody"]["required"] is True


@pytest.fixture
def cors_client(database_url):
    settings = load_settings(
        DATABASE_URL=database_url, CORS_ORIGINS="https://app.example", **TEST_SETTINGS
    )
    return create_app(settings).asgi_client


async def test_cors_allows_only_configured_origins(cors_client):
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    _, response = await cors_client.options("/api/auth/login", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    _, response = await cors_client.options(
        "/api/auth/login", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in response.headers
