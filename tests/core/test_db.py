"""The schema: migrations agree with the models, `db upgrade`, the embedded SQLite default."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from aerich import Command
from tortoise import Tortoise
from websockets.sync.client import connect

from sanic_chat.config import load_settings
from sanic_chat.db import APP_LABEL, config_for, migrations_location
from tests.live import free_port
from tests.settings import TEST_SETTINGS


async def test_models_and_migrations_agree(database_url, tmp_path):
    """A model change without its migration fails here: `aerich migrate` would write one."""
    location = tmp_path / "migrations"
    shutil.copytree(migrations_location(), location)
    config = config_for(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS))
    # Earlier tests leave Tortoise marked as initialised with its connections closed; aerich
    # trusts that mark, so open them for it.
    await Tortoise.init(config=config)
    async with Command(tortoise_config=config, app=APP_LABEL, location=str(location)) as command:
        generated = await command.migrate(name="drift", no_input=True)
    assert not generated, f"models changed without a migration: {generated}"
    assert sorted(p.name for p in (location / APP_LABEL).glob("*.py")) == sorted(
        p.name for p in (migrations_location() / APP_LABEL).glob("*.py")
    )


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
        history = httpx.get(url, headers=headers).json()
        assert [m["content"] for m in history["messages"]] == ["works on SQLite"]
        assert history["messages"][0]["author"]["username"] == "first"
        assert history["messages"][0]["clientId"] == message["clientId"]
        assert httpx.get(url, headers=outsider).status_code == 404
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
