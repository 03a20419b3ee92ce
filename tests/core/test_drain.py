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


async def test_a_client_sending_request_after_request_does_not_hold_a_stopping_worker(
    server_env, tmp_path
):
    """Sanic's stop closes only idle keep-alive connections and serves the busy ones as long
    as they keep sending; its main process stops waiting for a worker after 10 s and kills it
    mid-drain. While a worker drains, each answer closes its connection instead."""
    env = {**server_env, "SHUTDOWN_TIMEOUT": "30"}
    with live_server(env, cwd=tmp_path) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        request = b"GET /api/health HTTP/1.1\r\nhost: chat\r\n\r\n"
        writer.write(request)
        assert (await _answer(reader))["connection"] == "keep-alive"
        # A request under way (its head half sent) when the signal lands: not idle, so Sanic
        # keeps the connection while the worker stops.
        writer.write(request[:20])
        await writer.drain()
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        for _ in range(300):  # until the worker starts stopping, as its log says
            if "Stopping worker" in server.log():
                break
            await asyncio.sleep(0.05)
        writer.write(request[20:])
        # Then one request after another, as long as the answers keep the connection open.
        answers = [await _answer(reader)]
        while answers[-1]["connection"] == "keep-alive":
            writer.write(request)
            answers.append(await _answer(reader))
        assert await reader.read() == b""  # closed after the answer that said so
        writer.close()
        await asyncio.to_thread(server.process.wait, 30)
        stopped_in = time.monotonic() - signalled
        assert len(answers) < 50 and stopped_in < 8, (len(answers), stopped_in)


async def _answer(reader: asyncio.StreamReader) -> dict[str, str]:
    """One HTTP/1.1 response's headers (lower-cased names), its body read past."""
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15)).decode()
    lines = head.split("\r\n")[1:]
    headers = dict(line.split(": ", 1) for line in lines if line)
    headers = {name.lower(): value for name, value in headers.items()}
    await reader.readexactly(int(headers.get("content-length", 0)))
    return headers
