"""The limit to compare against: a bare `websockets` server relaying to groups, nothing else.

No authentication, no database, no JSON re-encoding: a client says which group a payload is for,
and the server writes the payload to every member's socket. It runs in its own process
(`python -m bench.baseline PORT`), like the real server, so both compete with the load
generator for the same cores.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
import websockets


def _text(frame: dict) -> str:
    return orjson.dumps(frame).decode()  # a str: sent as a text frame, as the server's are


async def _serve(port: int) -> None:
    groups: dict[str, set] = defaultdict(set)

    async def handler(ws) -> None:
        group = ws.request.path.rsplit("/", 1)[-1]
        groups[group].add(ws)
        await ws.send(_text({"type": "ready", "data": {}}))
        try:
            async for raw in ws:
                frame = orjson.loads(raw)
                event = _text({"type": "group.message.create", "data": frame["data"]})
                websockets.broadcast(groups[frame["data"]["groupId"]], event)
                await ws.send(_text({"type": "ack", "ref": frame["ref"], "data": {}}))
        finally:
            groups[group].discard(ws)

    # No permessage-deflate (websockets' default): the server does not compress either.
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=None, compression=None):
        await asyncio.Future()


@contextmanager
def baseline_server(port: int) -> Iterator[str]:
    """Run the bare server in a child process; yield its URL prefix (append the group id)."""
    process = subprocess.Popen([sys.executable, "-m", "bench.baseline", str(port)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("baseline server did not start") from None
                time.sleep(0.1)
        yield f"ws://127.0.0.1:{port}/"
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_serve(int(sys.argv[1])))
