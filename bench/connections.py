"""`connections`: resident memory per idle authenticated WebSocket on one worker."""

from __future__ import annotations

import asyncio
import time

import websockets

from .harness import (
    access_token,
    create_users,
    fresh_database,
    resident_kib,
    running_server,
    server_env,
    worker_pids,
)
from .report import print_table, verdict

TARGET_KIB = 64
CONNECT_CONCURRENCY = 200
OPEN_TIMEOUT = 120
# A client reconnects when a handshake fails; the retries are reported, not hidden.
HANDSHAKE_ATTEMPTS = 3


def add_arguments(parser) -> None:
    parser.add_argument("--counts", default="1000,10000", help="connection counts to measure")
    parser.add_argument("--users", type=int, default=100, help="users the devices belong to")


def quick(options) -> None:
    options.counts, options.users = "200", 20


async def run(options) -> dict:
    counts = [int(count) for count in options.counts.split(",")]
    figures: dict = {"target_kib_per_connection": TARGET_KIB}
    rows = []
    async with fresh_database() as database_url:
        users = await create_users(database_url, options.users)
        tokens = [access_token(user_id) for user_id in users]
        # Many devices per user is the point here, beyond the per-user cap's default.
        devices_per_user = -(-max(counts) // options.users)
        env = server_env(database_url, WS_MAX_CONNECTIONS_PER_USER=str(devices_per_user))
        with running_server(env) as server:
            (worker,) = worker_pids(server)
            for count in counts:
                baseline = await _settled_rss(worker)
                started = time.perf_counter()
                sockets, retries = await _open(server.ws, tokens, count)
                opening = time.perf_counter() - started
                loaded = await _settled_rss(worker)
                per_connection = (loaded - baseline) / count
                await asyncio.gather(*(ws.close() for ws in sockets))
                figures[str(count)] = {
                    "opened": len(sockets),
                    "worker_rss_before_kib": baseline,
                    "worker_rss_after_kib": loaded,
                    "kib_per_connection": round(per_connection, 2),
                    "opened_per_s": round(count / opening, 1),
                    "handshake_retries": retries,
                    "met": per_connection <= TARGET_KIB and len(sockets) == count,
                }
                rows.append((f"{count:,} connections: KiB each", round(per_connection, 2)))
                rows.append((f"{count:,} connections: all open", len(sockets) == count))
                rows.append((f"{count:,} connections: opened per second", round(count / opening)))
                rows.append((f"{count:,} connections: handshakes retried", retries))
                await asyncio.sleep(1)
    met = all(v["met"] for k, v in figures.items() if isinstance(v, dict))
    figures["met"] = met
    rows.append((f"target <= {TARGET_KIB} KiB each, all open", verdict(met)))
    print_table("connections: idle authenticated WebSockets on one worker", rows)
    return figures


async def _open(url: str, tokens: list[str], count: int) -> tuple[list, int]:
    """Open `count` connections; return them and how many handshakes had to be retried."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    retries = 0

    async def one(n: int):
        nonlocal retries
        async with gate:
            for attempt in range(HANDSHAKE_ATTEMPTS):
                try:
                    ws = await websockets.connect(
                        f"{url}?token={tokens[n % len(tokens)]}",
                        ping_interval=None,
                        # This process and the server share two cores: handshakes queue.
                        open_timeout=OPEN_TIMEOUT,
                    )
                except (OSError, websockets.InvalidHandshake):
                    if attempt + 1 == HANDSHAKE_ATTEMPTS:
                        raise
                    retries += 1
                    continue
                await ws.recv()  # ready
                return ws

    return list(await asyncio.gather(*(one(n) for n in range(count)))), retries


async def _settled_rss(pid: int) -> int:
    await asyncio.sleep(1.0)
    return resident_kib(pid)
