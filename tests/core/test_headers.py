"""Security headers: on every response, errors and the docs pages included."""

from __future__ import annotations

import re

from sanic_chat.headers import API_POLICY, PAGE_POLICY
from tests.problem import assert_problem

EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_secure_headers(response, policy: str = API_POLICY) -> None:
    for name, value in EVERY_RESPONSE.items():
        assert response.headers.get(name) == value, (response.status, name)
    assert response.headers["content-security-policy"] == policy
    assert "frame-ancestors 'none'" in policy


async def test_api_answers_and_problem_documents_carry_the_headers(client):
    _, response = await client.get("/api/health")
    assert response.status == 200
    assert_secure_headers(response)
    assert response.headers["cache-control"] == "no-store"

    _, response = await client.get("/api/no/such/route")
    assert_problem(response, 404, "not_found")
    assert_secure_headers(response)

    _, response = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")
    assert_secure_headers(response)

    _, response = await client.post("/api/auth/login", json={})
    assert_problem(response, 422, "validation_failed")
    assert_secure_headers(response)
    assert response.headers["cache-control"] == "no-store"


async def test_method_not_allowed_says_which_methods_are(client):
    _, response = await client.delete("/api/user/me")
    assert_problem(response, 405, "method_not_allowed")
    assert_secure_headers(response)
    assert {method.strip() for method in response.headers["allow"].split(",")} >= {"GET"}
    assert "DELETE" not in response.headers["allow"]


async def test_the_docs_page_may_load_only_this_services_files(client):
    _, response = await client.get("/api/docs")
    assert response.status == 200
    assert_secure_headers(response, PAGE_POLICY)
    assert "script-src 'self';" in PAGE_POLICY and "unsafe" not in PAGE_POLICY
    page = response.text
    # What the policy would block: inline scripts, styles and event handlers. Swagger UI works
    # under it only if the page has none of them.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(
        "src=" in attributes and not body.strip() for attributes, body in scripts
    )
    assert "<style" not in page
    assert not re.search(r"\s(style|on\w+)=", page)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert asset.startswith("/api/docs/"), asset  # 'self'
        _, served = await client.get(asset)
        assert served.status == 200, asset
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers.get("cache-control") != "no-store"  # the same for everyone

    _, response = await client.get("/api/docs/openapi.json")
    assert response.status == 200
    assert_secure_headers(response)
