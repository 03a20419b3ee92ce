"""`scale`: the fan-out load on one worker, on two workers with Redis, on two servers with Redis.

The offered rate is beyond what one worker delivers, so the figures are capacities: what each
set-up delivers when pushed, not what it is asked for.
"""

from __future__ import annotations

from contextlib import ExitStack

from .fanout import add_arguments as fanout_arguments
from .fanout import create_groups, split_groups
from .fanout import quick as fanout_quick
from .harness import (
    access_token,
    create_users,
    fresh_database,
    redis_url,
    running_server,
    server_env,
)
from .load import close_clients, offer_load, open_clients
from .report import print_table, verdict

SATURATING_RATE = 800.0
quick = fanout_quick


def add_arguments(parser) -> None:
    fanout_arguments(parser)
    parser.set_defaults(rate=SATURATING_RATE)


async def run(options) -> dict:
    groups = split_groups(options.clients, options.group_size)
    figures: dict = {"clients": options.clients, "offered_messages_per_s": options.rate}
    async with fresh_database() as database_url:
        users = await create_users(database_url, options.clients)
        plain = server_env(database_url)
        shared = server_env(database_url, REDIS_URL=redis_url())
        setups = {
            "one_worker": [(plain, 1)],
            "two_workers_redis": [(shared, 2)],
            "two_servers_redis": [(shared, 1), (shared, 1)],
        }
        group_ids = None
        for name, servers in setups.items():
            with ExitStack() as stack:
                running = [stack.enter_context(running_server(env, w)) for env, w in servers]
                if group_ids is None:
                    group_ids = await create_groups(running[0].http, users, groups)
                urls = [
                    f"{running[i % len(running)].ws}?token={access_token(user)}"
                    for i, user in enumerate(users)
                ]
                clients = await open_clients(urls)
                try:
                    figures[name] = await offer_load(
                        clients, groups, group_ids, options.rate, options.duration
                    )
                finally:
                    await close_clients(clients)
    base = figures["one_worker"]["deliveries_per_s"] or 1.0
    for name in ("two_workers_redis", "two_servers_redis"):
        figures[name]["ratio_to_one_worker"] = round(figures[name]["deliveries_per_s"] / base, 3)
    figures["met"] = figures["two_workers_redis"]["ratio_to_one_worker"] >= 1.0
    rows = []
    for name in ("one_worker", "two_workers_redis", "two_servers_redis"):
        result = figures[name]
        rows.append((f"{name} deliveries/s", result["deliveries_per_s"]))
        rows.append(
            (
                f"{name} p50 / p99 ms, lost",
                f"{result['p50_ms']} / {result['p99_ms']}, {result['lost']}",
            )
        )
    rows.append(("two workers / one", figures["two_workers_redis"]["ratio_to_one_worker"]))
    rows.append(("two servers / one", figures["two_servers_redis"]["ratio_to_one_worker"]))
    rows.append(("target two workers / one >= 1.0", verdict(figures["met"])))
    print_table(f"scale: fan-out of {options.rate:,.0f} msg/s to {options.clients:,} clients", rows)
    return figures
