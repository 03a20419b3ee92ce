"""Shared fixtures: a fresh PostgreSQL database per run, built by applying the migrations.

PostgreSQL is found in this order: `TEST_DATABASE_URL`; a server on 127.0.0.1:5432; a throwaway
cluster started by pytest-postgresql where PostgreSQL's binaries are installed. Without any of
them the run stops at once with one line saying what it needs.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from sanic_chat.app import create_app
from sanic_chat.config import Settings, load_settings
from sanic_chat.db import upgrade

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "correct horse battery"

# Cheap hashing keeps registration fast in tests; production uses argon2's recommended cost.
TEST_SETTINGS = {
    "JWT_ACCESS_SECRET": "test-access-secret-0123456789abcdef",
    "REFRESH_TOKEN_SECRET": "test-refresh-secret-0123456789abcdef",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
}


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _with_database(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> str:
    """URL of a PostgreSQL server on which the run may create and drop databases."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    if _port_open("127.0.0.1", 5432):
        return LOCAL_SERVER
    if shutil.which("pg_config") or shutil.which("pg_ctl"):
        proc = request.getfixturevalue("postgresql_proc")
        return f"postgresql://{proc.user}@{proc.host}:{proc.port}/postgres"
    pytest.exit(
        "tests need PostgreSQL: set TEST_DATABASE_URL, run a server on 127.0.0.1:5432, "
        "or install PostgreSQL's binaries",
        returncode=3,
    )


@pytest.fixture(scope="session")
async def database_url(postgres_server: str) -> AsyncIterator[str]:
    """A database created for this run, migrated with `sanic-chat db upgrade`, then dropped."""
    name = f"sanic_chat_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(postgres_server, name)
    await upgrade(load_settings(DATABASE_URL=url, **TEST_SETTINGS))
    yield url
    admin = await asyncpg.connect(postgres_server)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Direct access to the test database, for asserting what was stored."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(DATABASE_URL=database_url, **TEST_SETTINGS)


@pytest.fixture
def plugins() -> list[object]:
    """Extra plugins registered on the app; a test overrides this to add its own."""
    return []


@pytest.fixture
def app(settings: Settings, plugins: list[object]):
    return create_app(settings, plugins=plugins)


@pytest.fixture
def client(app):
    return app.asgi_client


_serial = itertools.count()


@dataclass
class Account:
    """A registered, signed-in user."""

    id: str
    username: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@pytest.fixture
def register(client):
    """Register and sign in a fresh user: `await register()` or `await register("alice")`."""

    async def make(prefix: str = "user") -> Account:
        serial = f"{next(_serial)}{uuid.uuid4().hex[:6]}"
        username = f"{prefix}_{serial}"[:32]
        email = f"{username}@example.test"
        _, response = await client.post(
            "/api/auth/register",
            json={"email": email, "username": username, "password": PASSWORD},
        )
        assert response.status == 201, response.text
        _, response = await client.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status == 200, response.text
        body = response.json
        return Account(
            body["user"]["id"], username, email, body["accessToken"], body["refreshToken"]
        )

    return make
