"""A real `sanic-chat serve` in a subprocess, and WebSocket clients talking to it.

WebSocket, multi-worker and cross-process behaviour only shows on a real server: these tests
start one on a free port, poll its health route, drive it with `websockets` and an HTTP client,
stop it with SIGINT and check its log has no traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets

# A ceiling, not a measure: at a load average of 18 a worker took over 30 s to start.
STARTUP_SECONDS = 90
FRAME_SECONDS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, port: int, process: subprocess.Popen, log_path: Path) -> None:
        self.port = port
        self.process = process
        self.log_path = log_path
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}/ws"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # Sanic 25.12's main process can hang when the signal lands while it waits
                # for its workers' first ack. Its whole process group goes, not the main
                # process alone: its workers and its state manager would outlive it.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@contextmanager
def live_server(
    env: dict[str, str], workers: int = 1, cwd: Path | None = None, python: str = sys.executable
) -> Iterator[LiveServer]:
    """`sanic-chat serve` run by `python` (another environment's, to test an installation)."""
    port = free_port()
    log_path = Path(cwd or Path.cwd()) / f"server-{port}.log"
    command = [python, "-m", "sanic_chat", "serve", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--workers", str(workers), "--no-migrate"]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            cwd=cwd,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # A session of its own: Sanic answers a second stop signal by killing its workers'
            # process group, which would otherwise be the test run's.
            start_new_session=True,
        )
    server = LiveServer(port, process, log_path)
    try:
        _wait_healthy(server, workers)
        yield server
    finally:
        server.stop()
    assert not unexpected_tracebacks(server.log()), server.log()[-4000:]


def unexpected_tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log, less one race inside Sanic 25.12's worker manager.

    When the stop signal lands while a worker is exiting, the main process can read the
    worker's entry as it is deleted (`_sync_states`: 'NoneType' object has no attribute
    'get'). It happens after the workers have finished and is Sanic's own bookkeeping.
    """
    # The stop signal can also land inside that read: the shutdown it starts then fails on the
    # same half-deleted entry, as a second traceback chained to the first.
    blocks = log.split("Traceback (most recent call last):")[1:]
    return [
        block
        for block in blocks
        if "in _sync_states" not in block and "in shutdown_signal" not in block
    ]


ACK_SEEN_SECONDS = 0.3


def _wait_healthy(server: LiveServer, workers: int) -> None:
    """Until every worker has said it is ready and the health route answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited at start-up:\n{server.log()[-4000:]}")
        if server.log().count("Worker ready") < workers:
            time.sleep(0.2)
            continue
        try:
            if httpx.get(f"{server.http}/api/health/ready", timeout=1).status_code == 200:
                # Sanic 25.12's main process looks for its workers' ack every 0.1 s, and a
                # stop signal that lands before it has seen it hangs it: let it look.
                time.sleep(ACK_SEEN_SECONDS)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not healthy in {STARTUP_SECONDS}s:\n{server.log()[-4000:]}")


class Client:
    """One WebSocket connection (one device) with helpers to await frames."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        # Frames read while waiting for a command's answer, kept for `frame()`.
        self._backlog: list[dict[str, Any]] = []

    async def frame(self, timeout: float = FRAME_SECONDS) -> dict[str, Any]:
        if self._backlog:
            return self._backlog.pop(0)
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def next_of(self, *types: str, timeout: float = FRAME_SECONDS) -> dict[str, Any]:
        """The next frame of one of `types`, skipping others (presence, typing, ...)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.frame(max(deadline - time.monotonic(), 0.01))
            if frame["type"] in types:
                return frame

    async def nothing_of(self, *types: str, within: float = 0.5) -> None:
        """Assert no frame of `types` arrives within `within` seconds."""
        try:
            frame = await self.next_of(*types, timeout=within)
        except asyncio.TimeoutError:
            return
        raise AssertionError(f"unexpected frame: {frame}")

    async def command(
        self, command_type: str, data: dict[str, Any], ref: str | int
    ) -> dict[str, Any]:
        await self.ws.send(json.dumps({"type": command_type, "ref": ref, "data": data}))
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), FRAME_SECONDS))
            if frame["type"] in ("ack", "error") and frame.get("ref") == ref:
                return frame
            self._backlog.append(frame)


async def connect(server: LiveServer, token: str | None = None, **params: str) -> Client:
    """Open a WebSocket as the token's user and return it once `ready` arrived."""
    query = dict(params)
    if token is not None:
        query["token"] = token
    url = str(httpx.URL(server.ws, params=query))
    ws = await websockets.connect(url, max_size=2**22)
    client = Client(ws)
    client.ready = await client.frame()
    assert client.ready["type"] == "ready", client.ready
    return client


async def register(http: httpx.AsyncClient, prefix: str = "user") -> dict[str, Any]:
    """Register and sign in a user on a live server: {id, username, token, headers}."""
    username = f"{prefix}_{uuid.uuid4().hex[:10]}"
    password = "correct horse battery"
    response = await http.post(
        "/api/auth/register",
        json={"email": f"{username}@example.test", "username": username, "password": password},
    )
    assert response.status_code == 201, response.text
    response = await http.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    token = body["accessToken"]
    return {
        "id": body["user"]["id"],
        "username": username,
        "token": token,
        "headers": {"Authorization": f"Bearer {token}"},
    }


async def new_group(
    http: httpx.AsyncClient, owner: dict[str, Any], *members: dict[str, Any]
) -> str:
    response = await http.post(
        "/api/group",
        json={"title": "room", "users": [m["id"] for m in members]},
        headers=owner["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def post_message(
    http: httpx.AsyncClient, account: dict[str, Any], group_id: str, content: str
) -> dict[str, Any]:
    response = await http.post(
        f"/api/group/{group_id}/message", json={"content": content}, headers=account["headers"]
    )
    assert response.status_code == 201, response.text
    return response.json()


def kill_server(pid: int, signum: int) -> None:
    """Signal a server's main process and, for SIGKILL, its workers too: a worker whose parent
    is killed would otherwise go on serving."""
    victims = [pid, *_descendants(pid)] if signum == signal.SIGKILL else [pid]
    for victim in victims:
        try:
            os.kill(victim, signum)
        except ProcessLookupError:
            pass


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: fields follow the last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        children = parents.get(queue.pop(), [])
        found += children
        queue += children
    return found
