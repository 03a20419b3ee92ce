"""`fanout`: clients in groups of 50, an offered message rate, every delivery timed.

The same clients and payloads are then run against a bare `websockets` relay (bench.baseline):
the limit of this machine for this pattern, and the ratio of the real server to it.
"""

from __future__ import annotations

import aiohttp

from .baseline import baseline_server
from .harness import access_token, create_users, fresh_database, running_server, server_env
from .load import close_clients, offer_load, open_clients
from .report import print_table, verdict

TARGET_DELIVERIES = 10_000
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.70


def add_arguments(parser) -> None:
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=50)
    parser.add_argument("--rate", type=float, default=300.0, help="messages/s offered")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")


def quick(options) -> None:
    options.clients, options.rate, options.duration = 100, 40.0, 2.0


def split_groups(clients: int, size: int) -> list[list[int]]:
    return [list(range(start, min(start + size, clients))) for start in range(0, clients, size)]


async def create_groups(http_url: str, users: list[str], groups: list[list[int]]) -> list[str]:
    """Each group created over REST by its first member, with the others as initial members."""
    ids = []
    async with aiohttp.ClientSession(http_url) as http:
        for number, members in enumerate(groups):
            owner = users[members[0]]
            body = {"title": f"bench {number}", "users": [users[m] for m in members[1:]]}
            headers = {"Authorization": f"Bearer {access_token(owner)}"}
            async with http.post("/api/group", json=body, headers=headers) as response:
                assert response.status == 201, await response.text()
                ids.append((await response.json())["id"])
    return ids


async def measure_server(server, users, groups, group_ids, options) -> dict:
    urls = [f"{server.ws}?token={access_token(user)}" for user in users]
    clients = await open_clients(urls)
    try:
        return await offer_load(clients, groups, group_ids, options.rate, options.duration)
    finally:
        await close_clients(clients)


async def measure_baseline(port: int, groups, group_ids, options) -> dict:
    with baseline_server(port) as prefix:
        urls = [""] * sum(len(members) for members in groups)
        for members, group_id in zip(groups, group_ids, strict=True):
            for member in members:
                urls[member] = prefix + group_id
        clients = await open_clients(urls)
        try:
            return await offer_load(clients, groups, group_ids, options.rate, options.duration)
        finally:
            await close_clients(clients)


async def run(options) -> dict:
    from tests.live import free_port

    groups = split_groups(options.clients, options.group_size)
    async with fresh_database() as database_url:
        users = await create_users(database_url, options.clients)
        with running_server(server_env(database_url)) as server:
            group_ids = await create_groups(server.http, users, groups)
            real = await measure_server(server, users, groups, group_ids, options)
    baseline = await measure_baseline(free_port(), groups, group_ids, options)
    ratio = (
        real["deliveries_per_s"] / baseline["deliveries_per_s"]
        if baseline["deliveries_per_s"]
        else 0
    )
    figures = {
        "clients": options.clients,
        "group_size": options.group_size,
        "offered_messages_per_s": options.rate,
        "server": real,
        "baseline": baseline,
        "ratio_to_baseline": round(ratio, 3),
    }
    figures["met"] = (
        real["deliveries_per_s"] >= TARGET_DELIVERIES
        and real["p99_ms"] <= TARGET_P99_MS
        and real["lost"] == 0
        and real["duplicated"] == 0
        and ratio >= TARGET_RATIO
    )
    print_table(
        f"fanout: {options.clients:,} clients in groups of {options.group_size}, "
        f"{options.rate:,.0f} msg/s offered for {options.duration:.0f} s",
        [
            ("server deliveries/s", real["deliveries_per_s"]),
            (
                "server p50 / p95 / p99 ms",
                f"{real['p50_ms']} / {real['p95_ms']} / {real['p99_ms']}",
            ),
            ("server lost / duplicated", f"{real['lost']} / {real['duplicated']}"),
            (
                "load average before / after, generator stalls > 10 ms (longest)",
                f"{real['load_average'][0]} / {real['load_average'][1]}, "
                f"{real['generator_stalls']} ({real['generator_stall_max_ms']} ms)",
            ),
            ("baseline deliveries/s", baseline["deliveries_per_s"]),
            ("baseline p50 / p99 ms", f"{baseline['p50_ms']} / {baseline['p99_ms']}"),
            (
                "baseline generator stalls > 10 ms (longest)",
                f"{baseline['generator_stalls']} ({baseline['generator_stall_max_ms']} ms)",
            ),
            ("ratio to baseline", round(ratio, 3)),
            (
                f"target >= {TARGET_DELIVERIES:,}/s, p99 <= {TARGET_P99_MS} ms, 0 lost, "
                f">= {TARGET_RATIO:.0%} of baseline",
                verdict(figures["met"]),
            ),
        ],
    )
    return figures
