"""The seed's JavaScript client, run by Node: many sockets in one `client.mjs` process.

`SeedClients` writes commands to the script and reads back what each socket saw, so a test
connects sockets, makes REST calls and awaits the seed's events, as the seed's clients do.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EVENT_SECONDS = 10


def node_modules_ready() -> None:
    """Install the locked npm packages on first use, so the README's test command suffices."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise AssertionError("these tests need Node.js and npm (`apt-get install nodejs npm`)")
    if not (HERE / "node_modules" / "socket.io-client").is_dir():
        installed = subprocess.run(
            ["npm", "ci", "--silent", "--no-audit", "--no-fund", "--no-progress"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if installed.returncode != 0:
            raise AssertionError(f"`npm ci` in {HERE} failed:\n{installed.stderr[-2000:]}")


class Socket:
    """One socket.io-client socket: what it saw, in order."""

    def __init__(self, clients: SeedClients, socket_id: str) -> None:
        self._clients = clients
        self.id = socket_id
        self.seen: list[tuple[str, list[Any]]] = []
        self._arrived = asyncio.Event()

    def _add(self, event: str, args: list[Any]) -> None:
        self.seen.append((event, args))
        self._arrived.set()

    async def next_of(self, *events: str, timeout: float = EVENT_SECONDS) -> tuple[str, list[Any]]:
        """The first not yet taken event among `events` (taking it), with its arguments."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (event, args) in enumerate(self.seen):
                if event in events:
                    del self.seen[index]
                    return event, args
            self._arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"socket {self.id}: no {events} within {timeout}s: {self.seen}"
                )
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def event(self, name: str, timeout: float = EVENT_SECONDS) -> Any:
        """The payload of the next `name` event."""
        _, args = await self.next_of(name, timeout=timeout)
        return args[0] if args else None

    async def nothing_of(self, name: str, within: float = 0.5) -> None:
        await asyncio.sleep(within)
        assert all(event != name for event, _ in self.seen), self.seen

    async def emit(self, event: str, data: Any) -> Any:
        """Emit `event` and return the server's acknowledgement."""
        await self._clients.send({"op": "emit", "id": self.id, "event": event, "data": data})
        return await self.event("ack")

    async def close(self) -> None:
        await self._clients.send({"op": "close", "id": self.id})


class SeedClients:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self._sockets: dict[str, Socket] = {}
        self._reader: asyncio.Task[None] | None = None
        self._count = 0

    async def send(self, command: dict[str, Any]) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(command).encode() + b"\n")
        await self._process.stdin.drain()

    async def open(
        self, url: str, token: str | None, via: str = "auth", transports: list[str] | None = None
    ) -> Socket:
        """A new socket, connecting (await its `connect` or `connect_error`)."""
        self._count += 1
        socket = Socket(self, f"s{self._count}")
        self._sockets[socket.id] = socket
        command = {"op": "connect", "id": socket.id, "url": url, "token": token, "via": via}
        if transports is not None:
            command["transports"] = transports
        await self.send(command)
        return socket

    async def connect(self, url: str, token: str, **options: Any) -> Socket:
        """A connected socket that has had its `connected` event."""
        socket = await self.open(url, token, **options)
        outcome, args = await socket.next_of("connect", "connect_error")
        assert outcome == "connect", args
        assert await socket.event("connected") == {}
        return socket

    async def _read(self) -> None:
        assert self._process.stdout is not None
        async for line in self._process.stdout:
            message = json.loads(line)
            socket = self._sockets.get(message["id"])
            if socket is not None:
                socket._add(message["event"], message["args"])


@asynccontextmanager
async def seed_clients():
    node_modules_ready()
    process = await asyncio.create_subprocess_exec(
        "node",
        str(HERE / "client.mjs"),
        cwd=HERE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=2**22,
    )
    clients = SeedClients(process)
    assert process.stdout is not None
    first = json.loads(await asyncio.wait_for(process.stdout.readline(), EVENT_SECONDS))
    assert first["event"] == "ready", first
    clients._reader = asyncio.get_running_loop().create_task(clients._read())
    try:
        yield clients
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        clients._reader.cancel()
