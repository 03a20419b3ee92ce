"""Auth routes: registration, sign-in, token rotation with reuse detection, sign-out."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from tests.problem import assert_problem
from tests.settings import PASSWORD, TEST_SETTINGS


def unique(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def register_body(client, **body):
    _, response = await client.post("/api/auth/register", json=body)
    return response


# ---- register


async def test_register_returns_the_user_without_secrets(client, db):
    name = unique("Mixed")
    response = await register_body(
        client, email=f"{name.upper()}@Example.TEST", username=name, password=PASSWORD
    )
    assert response.status == 201
    user = response.json
    assert set(user) == {"id", "email", "username", "createdAt"}
    assert user["username"] == name.lower()
    assert user["email"] == f"{name.lower()}@example.test"
    stored = await db.fetchval(
        "SELECT password_hash FROM users WHERE id = $1", uuid.UUID(user["id"])
    )
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_register_duplicates_are_409(client, register):
    taken = await register("taken")
    response = await register_body(
        client, email=taken.email.upper(), username=unique(), password=PASSWORD
    )
    assert_problem(response, 409, "email_taken")
    response = await register_body(
        client,
        email=f"{unique()}@example.test",
        username=taken.username.upper(),
        password=PASSWORD,
    )
    assert_problem(response, 409, "username_taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "username": "valid_name", "password": PASSWORD}, "body.email"),
        ({"email": "a@b.co", "username": "ab", "password": PASSWORD}, "body.username"),
        ({"email": "a@b.co", "username": "bad name!", "password": PASSWORD}, "body.username"),
        ({"email": "a@b.co", "username": "valid_name", "password": "short"}, "body.password"),
        ({"username": "valid_name", "password": PASSWORD}, "body.email"),
    ],
)
async def test_register_validation_names_the_field(client, body, field):
    response = await register_body(client, **body)
    problem = assert_problem(response, 422, "validation_failed")
    assert field in [error["field"] for error in problem["errors"]]


async def test_malformed_and_oversized_bodies(client):
    _, response = await client.post(
        "/api/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")
    _, response = await client.post("/api/auth/register", json=["a", "list"])
    assert_problem(response, 422, "validation_failed")


# ---- login


async def test_login_by_email_or_username_sets_the_cookie(client, register):
    account = await register("login")
    for identifier in ({"email": account.email}, {"username": account.username.upper()}):
        _, response = await client.post(
            "/api/auth/login", json={**identifier, "password": PASSWORD}
        )
        assert response.status == 200
        body = response.json
        assert body["user"]["id"] == account.id
        assert body["expiresIn"] == 3600
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"refreshToken={body['refreshToken']}")
        assert "HttpOnly" in cookie
        assert "Path=/api/auth" in cookie


async def test_login_failures(client, register):
    account = await register("login")
    _, response = await client.post(
        "/api/auth/login", json={"username": account.username, "password": "wrong password"}
    )
    assert_problem(response, 401, "invalid_credentials")
    _, response = await client.post(
        "/api/auth/login", json={"username": unique("ghost"), "password": PASSWORD}
    )
    assert_problem(response, 401, "invalid_credentials")
    for body in (
        {"password": PASSWORD},
        {"email": account.email, "username": account.username, "password": PASSWORD},
        {"username": account.username},
    ):
        _, response = await client.post("/api/auth/login", json=body)
        assert_problem(response, 422, "validation_failed")


def limited_app(settings_overrides: dict, database_url: str):
    return create_app(
        load_settings(DATABASE_URL=database_url, **TEST_SETTINGS, **settings_overrides)
    )


async def test_repeated_failures_are_rate_limited(database_url):
    client = limited_app({"LOGIN_MAX_FAILURES": 2}, database_url).asgi_client
    name = unique("limited")
    await register_body(client, email=f"{name}@example.test", username=name, password=PASSWORD)
    wrong = {"username": name, "password": "wrong password"}
    for _ in range(2):
        _, response = await client.post("/api/auth/login", json=wrong)
        assert_problem(response, 401)
    _, response = await client.post("/api/auth/login", json=wrong)
    assert_problem(response, 429, "login_rate_limited")
    assert 0 < int(response.headers["retry-after"]) <= 300
    # Even the right password, from that address, waits out the window.
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert_problem(response, 429)


async def test_success_clears_the_failure_count(database_url):
    client = limited_app({"LOGIN_MAX_FAILURES": 2}, database_url).asgi_client
    name = unique("cleared")
    await register_body(client, email=f"{name}@example.test", username=name, password=PASSWORD)
    wrong = {"username": name, "password": "wrong password"}
    await client.post("/api/auth/login", json=wrong)
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert response.status == 200
    _, response = await client.post("/api/auth/login", json=wrong)
    assert_problem(response, 401)  # the earlier failure no longer counts


async def test_rate_limit_is_shared_through_redis(database_url, redis_url):
    overrides = {"LOGIN_MAX_FAILURES": 1, "REDIS_URL": redis_url}
    first = limited_app(overrides, database_url)
    second = limited_app(overrides, database_url)  # another worker, same Redis
    # Behind one proxy: this test's own address, not the 127.0.0.1 other tests share in Redis.
    first.config.PROXIES_COUNT = second.config.PROXIES_COUNT = 1
    address = {"X-Forwarded-For": f"192.0.2.{uuid.uuid4().int % 254 + 1}"}
    name = unique("shared")
    await register_body(
        first.asgi_client, email=f"{name}@example.test", username=name, password=PASSWORD
    )
    _, response = await first.asgi_client.post(
        "/api/auth/login", json={"username": name, "password": "nope!!!"}, headers=address
    )
    assert_problem(response, 401)
    _, response = await second.asgi_client.post(
        "/api/auth/login",
        json={"email": f"{name}@example.test", "password": PASSWORD},
        headers=address,
    )
    assert_problem(response, 429, "login_rate_limited")


# ---- refresh and logout


async def test_refresh_rotates_and_detects_reuse(client, register):
    account = await register("rotate")
    _, response = await client.post(
        "/api/auth/refresh-token", json={"refreshToken": account.refresh_token}
    )
    assert response.status == 200
    rotated = response.json
    assert rotated["refreshToken"] != account.refresh_token
    _, response = await client.get(
        "/api/user/me", headers={"Authorization": f"Bearer {rotated['accessToken']}"}
    )
    assert response.status == 200

    # The old token again: somebody copied it. The whole session dies, new token included.
    _, response = await client.post(
        "/api/auth/refresh-token", json={"refreshToken": account.refresh_token}
    )
    assert_problem(response, 401, "refresh_token_reused")
    _, response = await client.post(
        "/api/auth/refresh-token", json={"refreshToken": rotated["refreshToken"]}
    )
    assert_problem(response, 401, "refresh_token_revoked")


async def test_refresh_from_the_cookie(client, register):
    account = await register("cookie")
    client.cookies.clear()
    client.cookies.set("refreshToken", account.refresh_token)
    _, response = await client.post("/api/auth/refresh-token")
    assert response.status == 200
    assert "refreshToken=" in response.headers["set-cookie"]


async def test_refresh_refuses_bad_tokens(client, register):
    account = await register("bad")
    client.cookies.clear()  # sign-in left the cookie in this client's jar
    for token, code in [
        (account.access_token, "invalid_token"),  # an access token is not a refresh token
        ("garbage", "invalid_token"),
    ]:
        _, response = await client.post("/api/auth/refresh-token", json={"refreshToken": token})
        assert_problem(response, 401, code)
    _, response = await client.post("/api/auth/refresh-token", json={})
    assert_problem(response, 401, "missing_token")


async def test_logout_revokes_the_session_and_clears_the_cookie(client, register):
    account = await register("bye")
    _, response = await client.post(
        "/api/auth/logout", json={"refreshToken": account.refresh_token}
    )
    assert response.status == 204
    assert 'refreshToken=""' in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    _, response = await client.post(
        "/api/auth/refresh-token", json={"refreshToken": account.refresh_token}
    )
    assert_problem(response, 401)
    for body in ({"refreshToken": account.refresh_token}, {"refreshToken": "junk"}, {}):
        _, response = await client.post("/api/auth/logout", json=body)
        assert response.status == 204


async def test_logout_takes_no_body_but_refuses_one_that_is_not_an_object(client):
    _, response = await client.post("/api/auth/logout")
    assert response.status == 204
    for body in ("null", "[]", '"token"'):
        _, response = await client.post(
            "/api/auth/logout", content=body, headers={"content-type": "application/json"}
        )
        assert assert_problem(response, 422)["errors"][0]["field"] == "body", body


# ---- access tokens on protected routes


def signed(secret: str = TEST_SETTINGS["JWT_ACCESS_SECRET"], **claims) -> str:
    now = int(time.time())
    payload = {
        "sub": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
        "typ": "access",
    }
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret, algorithm="HS256")


async def test_protected_routes_refuse_bad_access_tokens(client, register):
    account = await register("guard")
    _, response = await client.get("/api/user/me")
    problem = assert_problem(response, 401, "missing_token")
    assert problem["title"]
    assert response.headers["www-authenticate"] == "Bearer"

    cases = {
        "expired": (signed(sub=account.id, exp=int(time.time()) - 5), "token_expired"),
        "tampered": (account.access_token[:-4] + "AAAA", "invalid_token"),
        "refresh as access": (account.refresh_token, "invalid_token"),
        "alg none": (
            jwt.encode({"sub": account.id, "typ": "access"}, key="", algorithm="none"),
            "invalid_token",
        ),
        "wrong secret": (
            signed("another-secret-0123456789abcdef-0123", sub=account.id),
            "invalid_token",
        ),
        "no jti": (signed(sub=account.id, jti=None), "invalid_token"),
        "no typ": (signed(sub=account.id, typ=None), "invalid_token"),
    }
    for name, (token, code) in cases.items():
        _, response = await client.get("/api/user/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status == 401, name
        assert response.json["code"] == code, name

    # Tokens in URLs end up in logs: plain HTTP does not accept them, only WebSocket handshakes.
    _, response = await client.get("/api/user/me", params={"token": account.access_token})
    assert_problem(response, 401, "missing_token")


async def test_another_plugin_can_authenticate_before_the_token_check(database_url):
    """chat_authenticate: the first non-None answer wins; the built-in check runs last."""
    from sanic_chat import hookimpl

    robot = uuid.uuid4()

    class ApiKeys:
        @hookimpl
        async def chat_authenticate(self, request):
            if request.headers.get("x-api-key") == "robot-key":
                from sanic_chat_auth.service import CurrentUser

                return CurrentUser(robot)
            return None

        @hookimpl
        def chat_configure_app(self, app):
            app.ctx.api_keys_ready = True

    settings = load_settings(DATABASE_URL=database_url, **TEST_SETTINGS)
    app = create_app(settings, plugins=[ApiKeys()])
    assert app.ctx.api_keys_ready
    _, response = await app.asgi_client.get("/api/user/me", headers={"x-api-key": "robot-key"})
    # The key was accepted (the robot has no profile, hence 404, not 401).
    assert_problem(response, 404, "user_not_found")
    _, response = await app.asgi_client.get("/api/user/me", headers={"x-api-key": "wrong"})
    assert_problem(response, 401, "missing_token")


# ---- what token responses tell browsers and caches


async def test_token_responses_are_never_stored_by_caches(client, register):
    name = unique("nostore")
    response = await register_body(
        client, email=f"{name}@example.test", username=name, password=PASSWORD
    )
    assert response.status == 201
    assert response.headers["cache-control"] == "no-store"
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": PASSWORD}
    )
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    _, response = await client.post(
        "/api/auth/refresh-token", json={"refreshToken": response.json["refreshToken"]}
    )
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("secure", [False, True])
async def test_logout_clears_the_cookie_with_logins_secure_flag(database_url, secure):
    client = limited_app({"COOKIE_SECURE": secure}, database_url).asgi_client
    name = unique("secure")
    await register_body(client, email=f"{name}@example.test", username=name, password=PASSWORD)
    _, login = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    _, logout = await client.post(
        "/api/auth/logout", json={"refreshToken": login.json["refreshToken"]}
    )
    assert logout.status == 204
    set_cookie = login.headers["set-cookie"], logout.headers["set-cookie"]
    for cookie in set_cookie:
        assert cookie.startswith("refreshToken=")
        attributes = {part.strip() for part in cookie.split(";")[1:]}
        assert {"HttpOnly", "SameSite=Strict", "Path=/api/auth"} <= attributes
        assert ("Secure" in attributes) == secure
