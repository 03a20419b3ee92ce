"""SIGTERM drains a worker: readiness 503, commands under way answered, sockets closed with
1001, the process gone within its bound."""

from __future__ import annotations

import asyncio
import json
import signal
import time

import httpx
import websockets

from tests.live import connect, live_server, new_group, register
from tests.problem import assert_problem

SHUTDOWN_TIMEOUT = 3
# The drain's bound (docs/operations.md): commands, then sockets (5 s), the broker's flush
# (2 s), HTTP requests; plus slack for Sanic's own stop on two shared, busy cores.
EXIT_BOUND_SECONDS = SHUTDOWN_TIMEOUT + 5 + 2 + SHUTDOWN_TIMEOUT + 45


async def test_a_draining_worker_is_not_ready(app, client):
    _, response = await client.get("/api/health/ready")
    assert response.status == 200
    app.ctx.hub.draining = True
    _, response = await client.get("/api/health/ready")
    assert_problem(response, 503, "draining")
    _, response = await client.get("/api/health")
    assert response.status == 200  # alive all the same


async def test_sigterm_answers_what_it_read_then_closes_with_1001(server_env, db, tmp_path):
    env = {**server_env, "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT)}
    with live_server(env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
            alice = await register(http, "drained")
            group_id = await new_group(http, alice)
        client = await connect(server, alice["token"])
        # Sends in flight when the signal lands: none is waited for before it.
        for n in range(20):
            data = {"groupId": group_id, "content": f"drain {n}"}
            await client.ws.send(json.dumps({"type": "group.message.send", "ref": n, "data": data}))
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)

        acked, errors = [], []
        try:
            while True:
                reply = json.loads(await asyncio.wait_for(client.ws.recv(), 30))
                if reply["type"] == "ack":
                    acked.append(reply["ref"])
                elif reply["type"] == "error":
                    errors.append(reply)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1001, closed
        await asyncio.to_thread(server.process.wait, EXIT_BOUND_SECONDS)
        assert time.monotonic() - signalled < EXIT_BOUND_SECONDS

    assert not errors, errors
    # Commands run one at a time: whatever was answered is a prefix, and it is stored.
    assert acked == list(range(len(acked)))
    stored = await db.fetch(
        "SELECT content FROM group_messages WHERE group_id = $1::uuid ORDER BY id", group_id
    )
    assert [row["content"] for row in stored][: len(acked)] == [f"drain {n}" for n in acked]
    assert "Traceback" not in server.log()
