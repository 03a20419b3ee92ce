"""Outages are 503 with a stable code, never 500: PostgreSQL and Redis of this module's own,
stopped, started and cut off while a live server uses them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import asyncpg
import httpx
import pytest

from sanic_chat.messages import ORDER_LOCK
from tests.live import connect, live_server, new_group, register
from tests.problem import assert_problem
from tests.settings import TEST_SETTINGS

RECOVERY_SECONDS = 30


@pytest.fixture(scope="module")
def outage_database(module_postgres):
    """The throwaway cluster's own database, migrated by `sanic-chat db upgrade`.

    In a process of its own: aerich trusts Tortoise's global state, which the in-process tests
    that ran before this module have left behind.
    """
    result = subprocess.run(
        [sys.executable, "-m", "sanic_chat", "db", "upgrade"],
        env={**os.environ, **settings_env(module_postgres.url)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return module_postgres.url


def settings_env(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, **{k: str(v) for k, v in TEST_SETTINGS.items()}}


@pytest.fixture(scope="module")
def server(outage_database, module_redis, tmp_path_factory):
    env = {**settings_env(outage_database), "REDIS_URL": module_redis.url}
    with live_server(env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


def assert_database_unavailable(response: httpx.Response) -> None:
    assert_problem(response, 503, "database_unavailable")
    assert int(response.headers["retry-after"]) > 0


async def until_healthy(http: httpx.AsyncClient) -> dict:
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        response = await http.get("/api/health/ready")
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()
        await asyncio.sleep(0.3)


async def test_health_reports_the_database_and_redis(http):
    response = await http.get("/api/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_a_stopped_database_is_503_over_rest_and_websocket(server, http, module_postgres):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    client = await connect(server, alice["token"])
    await client.command("ping", {}, ref="settled")  # the handshake's own queries are done
    send = {"groupId": group_id, "content": "while the database is down"}
    module_postgres.stop()
    try:
        assert_database_unavailable(await http.get("/api/group", headers=alice["headers"]))
        response = await http.post(
            f"/api/group/{group_id}/message", json={"content": "hi"}, headers=alice["headers"]
        )
        assert_database_unavailable(response)
        reply = await client.command("group.message.send", send, ref="down")
        assert reply["type"] == "error"
        assert (reply["error"]["status"], reply["error"]["code"]) == (503, "database_unavailable")

        response = await http.get("/api/health/ready")
        assert_database_unavailable(response)
        assert "database" in response.json()["detail"]
        assert "Error" not in response.text  # names what is down, not an exception class
    finally:
        module_postgres.start()
    await until_healthy(http)
    reply = await client.command("group.message.send", send, ref="up")
    assert reply["type"] == "ack"
    await client.ws.close()


async def test_backends_terminated_mid_query_are_503(server, http, outage_database):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    client = await connect(server, alice["token"])
    await client.command("ping", {}, ref="settled")  # the handshake's own queries are done
    holder = await asyncpg.connect(outage_database)
    # Not the holder: inside a transaction pg_stat_activity is one snapshot, never refreshed.
    watcher = await asyncpg.connect(outage_database)
    try:
        # Hold the lock every message write takes, so both sends wait inside the database, then
        # cut the service's connections until both have answered (a failed batch is retried on
        # a new connection, which waits for the lock again).
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute(f"SELECT pg_advisory_xact_lock({ORDER_LOCK})")
        rest = asyncio.create_task(
            http.post(
                f"/api/group/{group_id}/message",
                json={"content": "rest"},
                headers=alice["headers"],
                timeout=30,
            )
        )
        ws = asyncio.create_task(
            client.command("group.message.send", {"groupId": group_id, "content": "ws"}, ref=1)
        )
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        deadline = time.monotonic() + 10
        while await watcher.fetchval(waiting) == 0:
            assert time.monotonic() < deadline, "the sends never reached the lock"
            await asyncio.sleep(0.05)
        deadline = time.monotonic() + 20
        while not (rest.done() and ws.done()):
            assert time.monotonic() < deadline, "the sends never answered"
            await watcher.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
                " datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)",
                holder.get_server_pid(),
            )
            await asyncio.sleep(0.05)
        assert_database_unavailable(await rest)
        reply = await ws
        assert reply["type"] == "error" and reply["ref"] == 1
        assert (reply["error"]["status"], reply["error"]["code"]) == (503, "database_unavailable")
        await transaction.rollback()
    finally:
        await holder.close()
        await watcher.close()
    # The pool replaces the terminated connections: the next sends are stored.
    await until_healthy(http)
    response = await http.post(
        f"/api/group/{group_id}/message", json={"content": "again"}, headers=alice["headers"]
    )
    assert response.status_code == 201, response.text
    await client.ws.close()


async def test_a_stopped_redis_is_503_on_health_until_it_returns(http, module_redis):
    module_redis.stop()
    try:
        response = await http.get("/api/health/ready")
        problem = assert_problem(response, 503, "redis_unavailable")
        assert problem["detail"] == "Not answering: redis; retry shortly."
        assert int(response.headers["retry-after"]) > 0
    finally:
        module_redis.start()
    assert (await until_healthy(http))["redis"] == "ok"
