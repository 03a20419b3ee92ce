"""The plugin guide's example, installed as its users would: built from its own files into a
fresh virtual environment beside sanic-chat, migrated, served, called, then uninstalled.

About two minutes on a loaded two-core machine, a minute of it pip (dependencies come from
pip's configured index and cache).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.database import database_prefix, empty_database
from tests.live import connect, live_server, new_group, register
from tests.settings import TEST_SETTINGS

pytestmark = pytest.mark.venv

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "sanic-chat-mentions"


def run(*command: str | Path, env: dict[str, str] | None = None, cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh environment holding sanic-chat and the example, both built from their files;
    returns its Python."""
    home = tmp_path_factory.mktemp("example")
    run(sys.executable, "-m", "venv", "--without-pip", home / "venv", cwd=home)
    python = home / "venv" / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--python", python, "install", "--quiet")
    # One build backend for both builds, rather than one fetched into each isolated build.
    run(*pip, "hatchling", cwd=home)
    run(*pip, "--no-build-isolation", ROOT, EXAMPLE, cwd=home)
    return python


async def test_the_example_installs_migrates_serves_and_uninstalls(installed, postgres_server):
    home = installed.parent.parent
    async with empty_database(postgres_server, database_prefix()) as url:
        # Nothing of the checkout on the path: the environment's copies are the ones that run.
        env = {
            **{key: str(value) for key, value in TEST_SETTINGS.items()},
            "DATABASE_URL": url,
            "PYTHONPATH": "",
        }
        sanic_chat = (installed, "-m", "sanic_chat")
        upgraded = run(*sanic_chat, "db", "upgrade", env=env, cwd=home)
        assert "mentions/0_" in upgraded and "group/0_" in upgraded, upgraded
        listing = run(*sanic_chat, "plugins", env=env, cwd=home)
        assert "sanic-chat-mentions 0.1.0" in listing
        assert "tables: mentions" in listing

        with live_server(env, cwd=home, python=str(installed)) as server:
            async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
                alice, bob = await register(http, "alice"), await register(http, "bob")
                group = await new_group(http, alice, bob)
                client = await connect(server, bob["token"])
                try:
                    sent = await http.post(
                        f"/api/group/{group}/message",
                        json={"content": f"lunch, @{bob['username']}?"},
                        headers=alice["headers"],
                    )
                    assert sent.status_code == 201, sent.text
                    event = await client.next_of("mention.create")
                    assert event["data"]["messageId"] == sent.json()["id"]
                    assert event["data"]["roomKind"] == "group"

                    mine = await http.get("/api/mentions", headers=bob["headers"])
                    assert mine.status_code == 200, mine.text
                    assert [m["id"] for m in mine.json()["mentions"]] == [event["data"]["id"]]
                    assert (await http.get("/api/mentions", headers=alice["headers"])).json() == {
                        "mentions": []
                    }
                    assert (await http.get("/api/mentions")).status_code == 401

                    ack = await client.command("mention.read", {"id": event["data"]["id"]}, 1)
                    assert ack["type"] == "ack" and ack["data"]["read"] is True, ack
                    refused = await client.command("mention.read", {"id": "x"}, 2)
                    assert refused["error"]["status"] == 422, refused
                finally:
                    await client.ws.close()

        pip = (sys.executable, "-m", "pip", "--python", installed)
        run(*pip, "uninstall", "--yes", "sanic-chat-mentions", cwd=home)
        assert "mentions" not in run(*sanic_chat, "plugins", env=env, cwd=home)
        assert "applied: nothing" in run(*sanic_chat, "db", "upgrade", env=env, cwd=home)
        with live_server(env, cwd=home, python=str(installed)) as server:
            async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
                carol = await register(http, "carol")
                assert (
                    await http.get("/api/mentions", headers=carol["headers"])
                ).status_code == 404
        connection = await asyncpg.connect(url)
        try:  # uninstalling a plugin leaves its table and rows
            assert await connection.fetchval("SELECT count(*) FROM mentions") == 1
        finally:
            await connection.close()
