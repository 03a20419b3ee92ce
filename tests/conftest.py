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
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from sanic_chat.app import create_app
from sanic_chat.config import Settings, load_settings
from tests.browser import browser, page  # noqa: F401  (fixtures for every browser test)
from tests.database import database_prefix, migrated_database
from tests.live import live_server
from tests.services import PrivatePostgres, PrivateRedis, running_postgres, running_redis
from tests.settings import PASSWORD, TEST_SETTINGS

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
# Not database 0, where a developer's own server keeps its data; pub/sub channels ignore the
# number, and the app's namespace keeps them apart.
LOCAL_REDIS = "redis://127.0.0.1:6379/15"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


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
    try:
        prefix = database_prefix()
    except ValueError as error:
        pytest.exit(str(error), returncode=4)
    async with migrated_database(postgres_server, prefix) as url:
        yield url


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Direct access to the test database, for asserting what was stored."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
def forget_orm_statements() -> Iterator[None]:
    """Tortoise keeps each model's insert and delete statements process-wide, by connection
    name: an app on the embedded SQLite would leave its `?` statements to the next app on
    PostgreSQL. Every app here is the "default" connection, so they are forgotten after each
    test."""
    yield
    EXECUTOR_CACHE.clear()


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


@pytest.fixture(scope="session")
def server_env(database_url: str) -> dict[str, str]:
    """Environment of a live `sanic-chat serve` on the test database."""
    return {"DATABASE_URL": database_url, **{k: str(v) for k, v in TEST_SETTINGS.items()}}


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis to test against: TEST_REDIS_URL; 127.0.0.1:6379; a `redis-server` started here.

    Without any of them the tests that need Redis fail with this message; they never skip.
    """
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
    elif _port_open("127.0.0.1", 6379):
        yield LOCAL_REDIS
    elif shutil.which("redis-server"):
        with running_redis(tmp_path_factory.mktemp("redis")) as server:
            yield server.url
    else:
        pytest.fail(
            "this test needs Redis: set TEST_REDIS_URL, run redis-server on 127.0.0.1:6379, "
            "or install redis-server",
            pytrace=False,
        )


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, which it may kill, hang and start again."""
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def module_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster the module's tests share and may stop, start and cut off."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    """A redis-server the module's tests share and may stop, kill and start again."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    """A live server shared by the tests of one module (a module may override it)."""
    with live_server(server_env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as client:
        yield client
