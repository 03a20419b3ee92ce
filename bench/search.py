"""`search`: user search latency with 100,000 users (prefix match on the username index)."""

from __future__ import annotations

import random
import time

import aiohttp
import asyncpg

from .harness import (
    access_token,
    collector_paused,
    create_users,
    fresh_database,
    running_server,
    server_env,
)
from .report import latency_summary, print_table, verdict

TARGET_P50_MS = 10.0


def add_arguments(parser) -> None:
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)


def quick(options) -> None:
    options.users, options.queries = 5_000, 200


async def run(options) -> dict:
    async with fresh_database() as database_url:
        ids = await create_users(database_url, options.users)
        connection = await asyncpg.connect(database_url)
        try:
            names = [r["username"] for r in await connection.fetch("SELECT username FROM users")]
            await connection.execute("ANALYZE users")
        finally:
            await connection.close()
        rng = random.Random(1)
        prefixes = [rng.choice(names)[: rng.choice((2, 3, 4))] for _ in range(options.queries)]
        headers = {"Authorization": f"Bearer {access_token(ids[0])}"}
        with running_server(server_env(database_url)) as server:
            latencies = []
            async with aiohttp.ClientSession(server.http, headers=headers) as http:
                for prefix in prefixes[:50]:  # warm-up
                    async with http.get("/api/user/search", params={"username": prefix}) as r:
                        await r.read()
                with collector_paused():
                    for prefix in prefixes:
                        started = time.perf_counter()
                        params = {"username": prefix}
                        async with http.get("/api/user/search", params=params) as r:
                            await r.read()
                            assert r.status == 200, r.status
                        latencies.append(time.perf_counter() - started)
    figures = {"users": options.users, "queries": options.queries, **latency_summary(latencies)}
    figures["target_p50_ms"] = TARGET_P50_MS
    figures["met"] = figures["p50_ms"] <= TARGET_P50_MS
    print_table(
        f"search: {options.users:,} users, {options.queries:,} sequential prefix searches",
        [
            ("p50 ms", figures["p50_ms"]),
            ("p95 ms", figures["p95_ms"]),
            ("p99 ms", figures["p99_ms"]),
            (f"target p50 <= {TARGET_P50_MS} ms", verdict(figures["met"])),
        ],
    )
    return figures
