"""`send`: concurrent senders storing messages, over WebSocket commands and over REST.

Each sender belongs to its own group of 50 and sends as fast as its acks come back (a closed
loop), for D seconds. In the same run, the server's statement sent with raw asyncpg and no web
layer (membership, recipients, ordered position and insert, concurrent sends batched as the
server batches them) gives the limit and the ratio to it; the same without batching shows what
the batching is worth.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone

import aiohttp
import asyncpg
import orjson
import websockets

from sanic_chat.batches import Batcher
from sanic_chat.db import release_quietly
from sanic_chat.messages.caches import MemberSets
from sanic_chat.messages.statements import send_statement
from sanic_chat_group.room import MEMBERS

from .fanout import create_groups, split_groups
from .harness import (
    access_token,
    collector_paused,
    create_users,
    fresh_database,
    redis_url,
    running_server,
    server_env,
)
from .report import latency_summary, print_table, verdict

TARGET_RATE = 2000
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.80


def add_arguments(parser) -> None:
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--group-size", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument(
        "--workers", type=int, default=1, help="server workers (more than one uses Redis)"
    )


def quick(options) -> None:
    options.senders, options.group_size, options.duration = 8, 10, 2.0


async def run(options) -> dict:
    async with fresh_database() as database_url:
        members = options.senders * options.group_size
        users = await create_users(database_url, members)
        groups = split_groups(members, options.group_size)
        senders = [users[group[0]] for group in groups]
        env = server_env(database_url)
        if options.workers > 1:
            env["REDIS_URL"] = redis_url()
        with running_server(env, options.workers) as server:
            group_ids = await create_groups(server.http, users, groups)
            over_ws = await _over_websocket(server, senders, group_ids, options.duration)
            over_rest = await _over_rest(server, senders, group_ids, options.duration)
        raw = await _raw_asyncpg(database_url, senders, group_ids, options.duration, True)
        unbatched = await _raw_asyncpg(database_url, senders, group_ids, options.duration, False)

    figures = {
        "workers": options.workers,
        "senders": options.senders,
        "group_size": options.group_size,
        "websocket": over_ws,
        "rest": over_rest,
        "raw_asyncpg": raw,
        "raw_asyncpg_unbatched": unbatched,
    }
    for name in ("websocket", "rest"):
        result = figures[name]
        result["ratio_to_raw"] = round(result["messages_per_s"] / raw["messages_per_s"], 3)
        result["met"] = (
            result["messages_per_s"] >= TARGET_RATE
            and result["p99_ms"] <= TARGET_P99_MS
            and result["ratio_to_raw"] >= TARGET_RATIO
            and result["errors"] == 0
        )
    rows = []
    for name in ("websocket", "rest", "raw_asyncpg", "raw_asyncpg_unbatched"):
        result = figures[name]
        rows.append((f"{name} messages/s", result["messages_per_s"]))
        rows.append(
            (
                f"{name} p50 / p95 / p99 ms",
                f"{result['p50_ms']} / {result['p95_ms']} / {result['p99_ms']}",
            )
        )
        if name in ("websocket", "rest"):
            rows.append(
                (f"{name} errors, ratio to raw", f"{result['errors']}, {result['ratio_to_raw']}")
            )
            rows.append(
                (
                    f"{name}: >= {TARGET_RATE}/s, p99 <= {TARGET_P99_MS} ms, "
                    f">= {TARGET_RATIO:.0%} of raw",
                    verdict(result["met"]),
                )
            )
    print_table(
        f"send: {options.senders} concurrent senders, {options.duration:.0f} s each way, "
        f"{options.workers} worker(s)",
        rows,
    )
    return figures


async def _over_websocket(server, senders, group_ids, duration) -> dict:
    latencies, errors = [], 0

    async def sender(user_id: str, group_id: str) -> None:
        nonlocal errors
        async with websockets.connect(
            f"{server.ws}?token={access_token(user_id)}", ping_interval=None
        ) as ws:
            await ws.recv()  # ready
            stop_at = time.perf_counter() + duration
            n = 0
            while time.perf_counter() < stop_at:
                n += 1
                started = time.perf_counter()
                await ws.send(
                    orjson.dumps(
                        {
                            "type": "group.message.send",
                            "ref": str(n),
                            "data": {
                                "groupId": group_id,
                                "content": f"message {n}",
                                "clientId": str(uuid.uuid4()),
                            },
                        }
                    ).decode()
                )
                while True:
                    frame = orjson.loads(await ws.recv())
                    if frame.get("ref") == str(n):
                        break
                if frame["type"] == "ack":
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

    started = time.perf_counter()
    with collector_paused():
        await asyncio.gather(*(sender(u, g) for u, g in zip(senders, group_ids, strict=True)))
    return _result(latencies, errors, time.perf_counter() - started)


async def _over_rest(server, senders, group_ids, duration) -> dict:
    latencies, errors = [], 0
    connector = aiohttp.TCPConnector(limit=len(senders))

    async with aiohttp.ClientSession(server.http, connector=connector) as http:

        async def sender(user_id: str, group_id: str) -> None:
            nonlocal errors
            headers = {"Authorization": f"Bearer {access_token(user_id)}"}
            stop_at = time.perf_counter() + duration
            n = 0
            while time.perf_counter() < stop_at:
                n += 1
                started = time.perf_counter()
                body = {"content": f"message {n}", "clientId": str(uuid.uuid4())}
                async with http.post(
                    f"/api/group/{group_id}/message", json=body, headers=headers
                ) as response:
                    await response.read()
                    if response.status == 201:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors += 1

        started = time.perf_counter()
        with collector_paused():
            await asyncio.gather(*(sender(u, g) for u, g in zip(senders, group_ids, strict=True)))
    return _result(latencies, errors, time.perf_counter() - started)


async def _raw_asyncpg(database_url, senders, group_ids, duration, batched: bool) -> dict:
    """The server's statement with no web layer: the limit of this machine for this pattern.

    `batched`: concurrent sends go together, one statement in flight at a time, as the server
    does. Otherwise one statement per message, the pattern the batching replaced. Pooled
    connections are released without a reset query, as the server does.
    """
    latencies, errors = [], 0
    statement = send_statement("group_messages", "group_id", MEMBERS.sql())
    pool = await asyncpg.create_pool(database_url, min_size=10, max_size=10, reset=release_quietly)
    member_sets = MemberSets()

    async def store(drafts: list[tuple]) -> list:
        columns = [list(column) for column in zip(*drafts, strict=True)]
        async with pool.acquire() as connection:
            rows = await connection.fetch(statement, *columns)
        return [(row["id"], member_sets.get(row["members"])) for row in rows]

    batcher = Batcher(store)

    async def sender(user_id: str, group_id: str) -> None:
        nonlocal errors
        author, group = uuid.UUID(user_id), uuid.UUID(group_id)
        stop_at = time.perf_counter() + duration
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            started = time.perf_counter()
            # Sent with no send field, as the server stores such a message.
            draft = (group, author, f"message {n}", uuid.uuid4(), datetime.now(timezone.utc), "{}")
            if batched:
                stored, members = await batcher.submit(draft)
            else:
                ((stored, members),) = await store([draft])
            if stored is None or author not in members:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with collector_paused():
        await asyncio.gather(*(sender(u, g) for u, g in zip(senders, group_ids, strict=True)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return _result(latencies, errors, elapsed)


def _result(latencies: list[float], errors: int, elapsed: float) -> dict:
    return {
        "messages": len(latencies),
        "errors": errors,
        "messages_per_s": round(len(latencies) / elapsed, 1),
        **latency_summary(latencies),
    }
