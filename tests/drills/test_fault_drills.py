"""Fault drills: does every acknowledged message reach every member exactly once, whatever fails?

Two servers (`sanic-chat serve`, one worker each) share a PostgreSQL cluster and a Redis of the
drills' own. Sixteen users in one group, two of them also in a 1:1 conversation, connect to
either server and send about 48 messages/s between them, over WebSocket and REST, resending
each `clientId` until it is acknowledged and resuming from their last cursor whenever a socket
closes (see `chatters.py`). Four of them have a second device, which only reads; every device
marks its rooms read about once a second, and each user's first device toggles a reaction about
once a second. A few seconds into the load one fault strikes; a few seconds after it the
clients stop sending, marking and reacting, the service falls quiet, every client resumes one
last time from its last cursor, and the database is compared with what was acknowledged and
delivered.

What must hold: every acknowledged send stored exactly once, and every stored message of a
user's rooms delivered to each of that user's devices exactly once (live, replayed, or reloaded
after a `resync`, which is allowed and counted); every user's read state as the database and
the acknowledged marks make it (`read_truth.py`), and every device's badges, kept by the
documented rule across all its reconnects, equal to it once the service is quiet and again
after the final resume; every device's reactions, kept by the same rule as its messages (the
newest frame about a message wins), equal to the database's, at quiet and after the final
resume; never a 500. The figures print whether or not the drill passes.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from tests.database import migrated_database
from tests.drills.chatters import Chatter, Observations, watch_health
from tests.drills.reactions import read_reactions
from tests.drills.read_truth import read_served, read_truth
from tests.drills.rooms import Room
from tests.drills.tally import Report, read_stored
from tests.live import LiveServer, kill_server, live_server, new_group, register
from tests.services import PrivatePostgres, PrivateRedis
from tests.settings import TEST_SETTINGS

USERS = 16
SEND_EVERY = 1 / 3  # seconds between one user's sends: about 48 messages/s in all
MARK_EVERY = 1.0  # seconds between one device's rounds of marks
REACT_EVERY = 1.0  # seconds between one user's reaction toggles
SECOND_DEVICES = 4  # the first users (the conversation's two among them) have two devices
LOAD_SECONDS = 4  # of sending before the fault, and again after it
OUTAGE_SECONDS = 10
# Once sending stops: how long the last sends may take to be acknowledged, how long deliveries
# must pause before the service counts as quiet, and how long the final resumes may take.
DRAIN_SECONDS = 60
QUIET_SECONDS = 2
RESUME_SECONDS = 60

pytestmark = pytest.mark.drills


@dataclass
class Cluster:
    postgres: PrivatePostgres
    redis: PrivateRedis
    servers: list[LiveServer]
    database_url: str

    @property
    def database(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/")


Fault = Callable[[Cluster], Awaitable[None]]


async def kill_a_server(cluster: Cluster) -> None:
    process = cluster.servers[0].process
    kill_server(process.pid, signal.SIGKILL)
    await asyncio.to_thread(process.wait, 30)


async def stop_redis(cluster: Cluster) -> None:
    await asyncio.to_thread(cluster.redis.kill)
    await asyncio.sleep(OUTAGE_SECONDS)
    await asyncio.to_thread(cluster.redis.start)


async def terminate_database_sessions(cluster: Cluster) -> None:
    for _ in range(2):
        await cluster.postgres.terminate_backends(cluster.database)
        await asyncio.sleep(2)


async def stop_postgres(cluster: Cluster) -> None:
    await asyncio.to_thread(cluster.postgres.stop)
    await asyncio.sleep(OUTAGE_SECONDS)
    await asyncio.to_thread(cluster.postgres.start)


async def stop_a_server_gracefully(cluster: Cluster) -> None:
    process = cluster.servers[0].process
    kill_server(process.pid, signal.SIGTERM)
    await asyncio.to_thread(process.wait, 30)


FAULTS: dict[str, Fault] = {
    "kill -9 a server": kill_a_server,
    "redis down 10s": stop_redis,
    "pg_terminate_backend twice": terminate_database_sessions,
    "postgresql down 10s": stop_postgres,
    "SIGTERM a server under load": stop_a_server_gracefully,
}


# Drills during which readiness must report the outage (503 from /api/health/ready).
OUTAGES = {"redis down 10s", "postgresql down 10s"}


def drill_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **{name: str(value) for name, value in TEST_SETTINGS.items()},
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_ACCESS_SECRET": secrets.token_urlsafe(32),
        "REFRESH_TOKEN_SECRET": secrets.token_urlsafe(32),
    }


@pytest.mark.parametrize("name", FAULTS)
async def test_fault_drill(name, module_postgres, module_redis, tmp_path, capsys):
    async with migrated_database(module_postgres.url, "sanic_chat_drill") as database_url:
        env = drill_env(database_url, module_redis.url)
        with live_server(env, cwd=tmp_path) as one, live_server(env, cwd=tmp_path) as two:
            cluster = Cluster(module_postgres, module_redis, [one, two], database_url)
            report = await run_drill(name, cluster, FAULTS[name])
            failures = report.failures()
            if name in OUTAGES and not report.seen.health["fault", 503]:
                failures.append("/api/health/ready never answered 503 during the outage")
            with capsys.disabled():
                print("\n" + "\n".join([report.table(), *failures]))
            assert not failures, "\n".join([report.table(), *failures])


async def run_drill(name: str, cluster: Cluster, fault: Fault) -> Report:
    seen = Observations()
    async with httpx.AsyncClient(base_url=cluster.servers[0].http, timeout=10) as http:
        chatters, rooms = await _chatters(http, cluster.servers, seen)
        health = asyncio.create_task(watch_health(cluster.servers, seen))
        stop = asyncio.Event()
        talking = [
            asyncio.create_task(chatter.talk(stop, SEND_EVERY))
            for chatter in chatters
            if chatter.device == 0
        ]
        talking += [asyncio.create_task(c.mark_reads(stop, MARK_EVERY)) for c in chatters]
        talking += [
            asyncio.create_task(chatter.react(stop, REACT_EVERY))
            for chatter in chatters
            if chatter.device == 0
        ]

        seen.phase = "before"
        await asyncio.sleep(LOAD_SECONDS)
        seen.phase = "fault"
        await fault(cluster)
        seen.phase = "after"
        await asyncio.sleep(LOAD_SECONDS)

        seen.phase = "drain"
        stop.set()
        done, given_up = await asyncio.wait(talking, timeout=DRAIN_SECONDS)
        for task in given_up:
            task.cancel()
        await asyncio.gather(*given_up, return_exceptions=True)
        for task in done:
            task.result()  # a mistake of the drill itself surfaces here
        await _until_quiet(chatters)
        for chatter in chatters:
            chatter.badges_at_quiet = chatter.badges.counts()
            chatter.reactions_at_quiet = chatter.shown.snapshot()

        seen.phase = "resume"
        await asyncio.wait_for(
            asyncio.gather(*(chatter.final_resume() for chatter in chatters)), RESUME_SECONDS
        )
        health.cancel()
        served = await read_served(http, cluster.servers, chatters)
    stored = await read_stored(cluster.database_url, rooms)
    truth = await read_truth(cluster.database_url, chatters)
    kinds = {message_id: kind for ids in stored.ids.values() for kind, message_id in ids}
    reactions = await read_reactions(cluster.database_url, kinds)
    return Report(name, stored, chatters, seen, truth, served, reactions)


async def _chatters(
    http: httpx.AsyncClient, servers: list[LiveServer], seen: Observations
) -> tuple[list[Chatter], list[Room]]:
    """Users in one group (the first two also in a conversation), connected across the servers,
    the first few with a second device, each device holding a cursor: a client without one
    could not resume."""
    accounts = await asyncio.gather(*(register(http, "drill") for _ in range(USERS)))
    group = Room("group", await new_group(http, accounts[0], *accounts[1:]))
    response = await http.post(
        "/api/conversation", json={"recipientId": accounts[1]["id"]}, headers=accounts[0]["headers"]
    )
    assert response.status_code == 201, response.text
    pair = Room("conversation", response.json()["id"])
    rooms = [[group, pair] if n < 2 else [group] for n in range(USERS)]
    chatters = [
        Chatter(account, rooms[n], servers, n, http, seen) for n, account in enumerate(accounts)
    ]
    # Second devices start on the other server from their user's first.
    chatters += [
        Chatter(accounts[n], rooms[n], servers, n + 1, http, seen, device=1)
        for n in range(SECOND_DEVICES)
    ]
    for chatter in chatters:
        chatter.connect()
    await asyncio.wait_for(asyncio.gather(*(c.wait_connected() for c in chatters)), 30)
    await chatters[0].send(group, "hello")
    deadline = time.monotonic() + 30
    while any(chatter.cursor is None for chatter in chatters):
        assert time.monotonic() < deadline, "the first message did not reach every client"
        await asyncio.sleep(0.1)
    return chatters, [group, pair]


async def _until_quiet(chatters: list[Chatter]) -> None:
    """Until no client has received any frame for QUIET_SECONDS (or a minute passed)."""
    deadline = time.monotonic() + 60
    last, still_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        total = sum(chatter.frames for chatter in chatters)
        if total != last:
            last, still_since = total, time.monotonic()
        elif time.monotonic() - still_since >= QUIET_SECONDS:
            return
        await asyncio.sleep(0.2)
