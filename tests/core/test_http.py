"""What every HTTP response shares: the error shape, the docs, CORS, health."""

from __future__ import annotations

import re

import pytest

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


async def test_unexpected_errors_are_a_bare_500(client):
    _, response = await client.get("/api/explode")
    problem = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert set(problem) == {"type", "title", "status", "code"}


async def test_health_checks_the_database(client):
    _, response = await client.get("/api/health")
    assert response.status == 200
    assert response.json == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_gone():
    settings = load_settings(
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere", **TEST_SETTINGS
    )
    _, response = await create_app(settings).asgi_client.get("/api/health")
    problem = assert_problem(response, 503, "database_unavailable")
    assert problem["detail"] == "Not answering: database; retry shortly."  # no exception class
    assert response.headers["retry-after"] == "5"


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
