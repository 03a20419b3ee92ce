"""The schema: each plugin's migrations agree with its models, `db upgrade` (from a database
migrated as one app, too), the embedded SQLite default."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from aerich.utils import decompress_dict, import_py_file
from websockets.sync.client import connect

from sanic_chat.app import create_app
from sanic_chat.config import ConfigError, load_settings
from sanic_chat.db import learn_array_types, tortoise_connection
from sanic_chat.migrate import enabled_schemas, make_migration, version_files
from tests.database import (
    apply_migrations,
    database_prefix,
    describe_schema,
    empty_database,
    migrated_database,
)
from tests.live import free_port
from tests.settings import TEST_SETTINGS

# The core and each built-in plugin: each is checked against its own migrations only, so a
# third-party plugin installed beside them (with or without migrations) cannot fail these.
OWN_SCHEMAS = (
    "sanic_chat",
    "user",
    "auth",
    "group",
    "conversation",
    "reactions",
    "replies",
    "read_state",
)
LEGACY_MIGRATIONS = Path(__file__).parent / "legacy_migrations"
# The schemas the single-app migrations held; a plugin added since gets its tables on adoption.
LEGACY_SCHEMAS = ("sanic_chat", "user", "auth", "group", "conversation")


@pytest.mark.parametrize("app", OWN_SCHEMAS)
async def test_models_and_migrations_agree(app, database_url, tmp_path):
    """A model change without its migration fails here: `sanic-chat db migrate <app>` would
    write one."""
    settings = load_settings(DATABASE_URL=database_url, **TEST_SETTINGS)
    schema = {schema.app: schema for schema in enabled_schemas(settings)}[app]
    folder = tmp_path / "migrations"
    shutil.copytree(schema.migrations, folder)
    written = await make_migration(settings, app, "drift", folder)
    assert written is None, f"{app}'s models changed without a migration:\n" + (
        (folder / written).read_text() if written else ""
    )
    assert sorted(path.name for path in folder.glob("*.py")) == version_files(schema)


async def build_legacy_database(url: str) -> None:
    """What the single-app migrations left: their SQL applied and aerich's three rows."""
    connection = await asyncpg.connect(url)
    try:
        for path in sorted(LEGACY_MIGRATIONS.glob("*.py")):
            migration = import_py_file(path)
            await connection.execute(await migration.upgrade(None))
            await connection.execute(
                "INSERT INTO aerich (version, app, content) VALUES ($1, 'models', $2)",
                path.name,
                json.dumps(decompress_dict(migration.MODELS_STATE)),
            )
    finally:
        await connection.close()


async def test_a_database_migrated_as_one_app_is_adopted_without_loss(postgres_server):
    """Before each plugin owned its schema, one aerich app `models` held every table."""
    async with (
        empty_database(postgres_server, database_prefix()) as old,
        migrated_database(postgres_server, database_prefix()) as fresh,
    ):
        await build_legacy_database(old)
        connection = await asyncpg.connect(old)
        try:
            user, other = uuid.uuid4(), uuid.uuid4()
            for user_id, name in ((user, "kept"), (other, "also_kept")):
                await connection.execute(
                    "INSERT INTO users VALUES ($1, $2, $3, 'hash', now())",
                    user_id,
                    f"{name}@example.test",
                    name,
                )
            group = await connection.fetchval(
                "INSERT INTO groups VALUES ($1, 'old', now(), $2) RETURNING id", uuid.uuid4(), user
            )
            await connection.execute(
                "INSERT INTO group_members (joined_at, group_id, user_id) VALUES (now(), $1, $2)",
                group,
                user,
            )
            message = await connection.fetchval("SELECT nextval('chat_message_seq')")
            await connection.execute(
                "INSERT INTO group_messages (id, seq, content, created_at, author_id, group_id)"
                " VALUES ($1, $1, 'before the upgrade', now(), $2, $3)",
                message,
                user,
                group,
            )
        finally:
            await connection.close()

        output = await apply_migrations(old)
        # Nothing the single app built is built again: the plugins it never had get their
        # tables, the others only their migrations after the first.
        (applied,) = [line for line in output.splitlines() if line.startswith("applied: ")]
        settings = load_settings(DATABASE_URL=old, **TEST_SETTINGS)
        versions = {schema.app: version_files(schema) for schema in enabled_schemas(settings)}
        newer = sorted(
            f"{app}/{version}"
            for app, files in versions.items()
            for version in (files[1:] if app in LEGACY_SCHEMAS else files)
        )
        assert sorted(applied.split(": ")[1].split(", ")) == newer, output
        assert "applied: nothing" in await apply_migrations(old)  # and stays adopted

        connection = await asyncpg.connect(old)
        try:
            assert await connection.fetchval("SELECT count(*) FROM users") == 2
            assert await connection.fetchval("SELECT content FROM group_messages") == (
                "before the upgrade"
            )
            assert await connection.fetchval("SELECT nextval('chat_message_seq')") == message + 1
            rows = await connection.fetch("SELECT app, version FROM aerich ORDER BY app")
        finally:
            await connection.close()
        assert sorted((row["app"], row["version"]) for row in rows) == sorted(
            (app, version) for app, files in versions.items() for version in files
        )
        assert await describe_schema(old) == await describe_schema(fresh)


async def test_upgrade_refuses_a_partly_migrated_single_app_database(postgres_server):
    async with empty_database(postgres_server, database_prefix()) as old:
        await build_legacy_database(old)
        connection = await asyncpg.connect(old)
        try:
            await connection.execute("DELETE FROM aerich WHERE version LIKE '2_%'")
        finally:
            await connection.close()
        with pytest.raises(RuntimeError, match=r"lacks 2_20261126153000_username_search_index\.py"):
            await apply_migrations(old)


def run_cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sanic_chat", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_on_a_current_schema_applies_nothing(server_env, tmp_path):
    result = run_cli("db", "upgrade", env=server_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "applied: nothing, the schema is current"


def test_db_upgrade_refuses_sqlite_in_one_line(tmp_path):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": "sqlite://x.db"}, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL" in result.stderr


def test_serve_with_nothing_configured_runs_on_embedded_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "JWT_ACCESS_SECRET", "REFRESH_TOKEN_SECRET", "REDIS_URL")
    }
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sanic_chat",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(log_path.read_text(), pytrace=False)
            time.sleep(0.2)
        body = {"email": "first@example.test", "username": "first", "password": "long password"}
        assert httpx.post(f"{base}/api/auth/register", json=body).status_code == 201
        login = httpx.post(
            f"{base}/api/auth/login", json={"username": "first", "password": "long password"}
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
        group = httpx.post(f"{base}/api/group", json={"title": "local"}, headers=headers)
        assert group.status_code == 201
        message = {"content": "works on SQLite", "clientId": str(uuid.uuid4())}
        url = f"{base}/api/group/{group.json()['id']}/message"
        sent = httpx.post(url, json=message, headers=headers)
        assert sent.status_code == 201
        retried = httpx.post(url, json=message, headers=headers)
        assert (retried.status_code, retried.json()["id"]) == (200, sent.json()["id"])
        body = {"email": "second@example.test", "username": "second", "password": "long password"}
        second = httpx.post(f"{base}/api/auth/register", json=body).json()
        second_login = httpx.post(
            f"{base}/api/auth/login", json={"username": "second", "password": "long password"}
        )
        outsider = {"Authorization": f"Bearer {second_login.json()['accessToken']}"}
        assert httpx.post(url, json=message, headers=outsider).status_code == 404
        thumbs_up = f"{url}/{sent.json()['id']}/reactions/%F0%9F%91%8D"
        reacted = httpx.put(thumbs_up, headers=headers)
        assert reacted.status_code == 201, reacted.text
        assert reacted.json()["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
        history = httpx.get(url, headers=headers).json()
        assert [m["content"] for m in history["messages"]] == ["works on SQLite"]
        assert history["messages"][0]["reactions"] == reacted.json()["reactions"]
        assert history["messages"][0]["author"]["username"] == "first"
        assert history["messages"][0]["clientId"] == message["clientId"]
        assert httpx.get(url, headers=outsider).status_code == 404
        (group_listed,) = httpx.get(f"{base}/api/group", headers=headers).json()["groups"]
        assert group_listed["lastMessage"] == history["messages"][0]
        assert group_listed["lastActivityAt"] == history["messages"][0]["createdAt"]
        found = httpx.get(f"{base}/api/user/search", params={"username": "Sec"}, headers=headers)
        assert [u["username"] for u in found.json()["users"]] == ["second"]
        conversation = httpx.post(
            f"{base}/api/conversation", json={"recipientId": second["id"]}, headers=headers
        )
        reply = httpx.post(
            f"{base}/api/conversation/{conversation.json()['id']}/message",
            json={"content": "and 1:1"},
            headers=outsider,
        )
        assert reply.status_code == 201
        # Unread counts: the reply waits for the first user until they mark it read.
        (listed,) = httpx.get(f"{base}/api/conversation", headers=headers).json()["conversations"]
        assert (listed["unreadCount"], listed["lastReadMessageId"]) == (1, None)
        assert (listed["lastMessage"]["content"], listed["recipient"]["id"]) == (
            "and 1:1",
            second["id"],
        )
        marked = httpx.post(
            f"{base}/api/conversation/{listed['id']}/read",
            json={"messageId": reply.json()["id"]},
            headers=headers,
        )
        assert marked.status_code == 200, marked.text
        assert (marked.json()["unreadCount"], marked.json()["lastReadMessageId"]) == (
            0,
            reply.json()["id"],
        )
        # A resume from the start replays both rooms' messages, oldest first.
        token = login.json()["accessToken"]
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}&since=0") as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "ready"
            replayed = [json.loads(ws.recv(timeout=10)) for _ in range(2)]
        assert [(f["type"], f["data"]["content"]) for f in replayed] == [
            ("group.message.create", "works on SQLite"),
            ("conversation.message.create", "and 1:1"),
        ]
        # Positions never go back, even when the newest messages went with their room.
        newest = max(sent.json()["id"], reply.json()["id"])
        alone = httpx.post(f"{base}/api/group", json={"title": "alone"}, headers=headers).json()
        last = httpx.post(
            f"{base}/api/group/{alone['id']}/message",
            json={"content": "soon gone"},
            headers=headers,
        ).json()
        left = httpx.delete(f"{base}/api/group/{alone['id']}/leave", headers=headers)
        assert left.status_code in (200, 204)
        again = httpx.post(url, json={"content": "after"}, headers=headers).json()
        assert again["id"] > last["id"] > newest
        # Oversized bodies are refused before they are read.
        big = httpx.post(f"{base}/api/auth/login", content=b"x" * (1 << 20 + 1))
        assert big.status_code == 413
        assert big.headers["content-type"].startswith("application/problem+json")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    log = log_path.read_text()
    assert (tmp_path / "sanic-chat.sqlite3").exists()
    assert "generated development secrets" in log
    assert "Traceback" not in log


async def test_a_pooled_connection_learns_the_array_types_as_it_opens(postgres_server):
    """asyncpg looks up array types in the catalog on a connection's first statement taking
    them (a send's batch, a room list's `ANY`): a new pooled connection does it as it opens,
    not while a message waits."""
    assert tortoise_connection(postgres_server, 5)["credentials"]["init"] is learn_array_types
    statement = (
        "SELECT 1 FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[])"
        " AS d(a, b, c, t)"
    )

    async def catalog_queries(learnt: bool) -> list[str]:
        connection = await asyncpg.connect(postgres_server)
        try:
            if learnt:
                await learn_array_types(connection)
            logged: list[str] = []
            connection.add_query_logger(lambda record: logged.append(record.query))
            await connection.fetch(statement, [], [], [], [])
            return [query for query in logged if "typeinfo" in query]
        finally:
            await connection.close()

    assert await catalog_queries(learnt=False)  # what the first statement would wait for
    assert await catalog_queries(learnt=True) == []


async def sign_up(client, name: str) -> dict[str, str]:
    body = {"email": f"{name}@example.test", "username": name, "password": "long password"}
    _, response = await client.post("/api/auth/register", json=body)
    assert response.status == 201, response.text
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": "long password"}
    )
    return {"Authorization": f"Bearer {response.json['accessToken']}"}


async def test_an_older_sqlite_file_gets_the_columns_it_lacks_at_start(tmp_path):
    """A file written before messages kept their send fields: its messages read as before,
    and new ones keep them."""
    path = tmp_path / "chat.sqlite3"
    settings = load_settings(DATABASE_URL=f"sqlite://{path}", **TEST_SETTINGS)
    client = create_app(settings).asgi_client
    headers = await sign_up(client, "old_file")
    _, created = await client.post("/api/group", json={"title": "old"}, headers=headers)
    room = f"/api/group/{created.json['id']}"
    _, parent = await client.post(f"{room}/message", json={"content": "p"}, headers=headers)
    body = {"content": "answer", "replyTo": parent.json["id"]}
    _, reply = await client.post(f"{room}/message", json=body, headers=headers)
    with contextlib.closing(sqlite3.connect(path)) as old:
        old.execute("ALTER TABLE group_messages DROP COLUMN sent_fields")
        old.commit()

    client = create_app(settings).asgi_client
    _, page = await client.get(f"{room}/message", headers=headers)
    assert page.status == 200, page.text
    assert [m["replyTo"] for m in page.json["messages"]] == [reply.json["replyTo"], None]
    _, sent = await client.post(f"{room}/message", json=body, headers=headers)
    assert sent.status == 201, sent.text
    with contextlib.closing(sqlite3.connect(path)) as upgraded:
        stored = upgraded.execute("SELECT id, sent_fields FROM group_messages ORDER BY id")
        assert list(stored) == [
            (parent.json["id"], None),
            (reply.json["id"], None),
            (sent.json["id"], json.dumps({"reply_to": parent.json["id"]}, separators=(",", ":"))),
        ]


async def test_an_sqlite_file_lacking_a_column_that_cannot_be_added_stops_the_start(tmp_path):
    path = tmp_path / "chat.sqlite3"
    settings = load_settings(DATABASE_URL=f"sqlite://{path}", **TEST_SETTINGS)
    client = create_app(settings).asgi_client
    await sign_up(client, "broken_file")
    with contextlib.closing(sqlite3.connect(path)) as old:
        old.execute("ALTER TABLE group_messages DROP COLUMN created_at")
        old.commit()

    with pytest.raises(ConfigError, match="lacks column 'created_at', which cannot be added"):
        await create_app(settings).asgi_client.get("/api/health")
