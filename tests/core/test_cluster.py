"""Several workers and several servers joined through Redis, and Redis going away."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx

from tests.live import (
    connect,
    live_server,
    new_group,
    post_message,
    register,
)


def test_more_than_one_worker_without_redis_is_refused(server_env, tmp_path):
    env = {k: v for k, v in server_env.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "sanic_chat", "serve", "--workers", "2", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "WORKERS" in lines[0]
    assert "REDIS_URL" in lines[0]


async def test_two_servers_deliver_to_each_others_clients(server_env, redis_url, tmp_path):
    env = {**server_env, "REDIS_URL": redis_url}
    with live_server(env, cwd=tmp_path) as one, live_server(env, cwd=tmp_path) as two:
        async with httpx.AsyncClient(base_url=one.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            eve = await register(http, "eve")
            group_id = await new_group(http, alice, bob)
            alice_on_one = await connect(one, alice["token"])
            alice_on_two = await connect(two, alice["token"])
            eve_on_two = await connect(two, eve["token"])

            bob_on_two = await connect(two, bob["token"])
            # Presence crosses servers: bob's first device anywhere.
            assert (await alice_on_one.next_of("presence"))["data"]["status"] == "online"

            sent = await bob_on_two.command(
                "group.message.send", {"groupId": group_id, "content": "across"}, ref="x"
            )
            for client in (alice_on_one, alice_on_two, bob_on_two):
                event = await client.next_of("group.message.create")
                assert event["data"]["id"] == sent["data"]["id"]
            await eve_on_two.nothing_of("group.message.create")

            # And REST on server one reaches a socket on server two.
            rest = await post_message(http, alice, group_id, "back")
            assert (await bob_on_two.next_of("group.message.create"))["data"]["id"] == rest["id"]

            await bob_on_two.command("typing", {"groupId": group_id}, ref="t")
            assert (await alice_on_one.next_of("typing"))["data"]["userId"] == bob["id"]
            for client in (alice_on_one, alice_on_two, eve_on_two, bob_on_two):
                await client.ws.close()


async def test_two_workers_deliver_to_every_device(server_env, redis_url, tmp_path):
    env = {**server_env, "REDIS_URL": redis_url}
    with live_server(env, workers=2, cwd=tmp_path) as server:
        assert server.log().count("Starting worker") == 2
        async with httpx.AsyncClient(base_url=server.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            group_id = await new_group(http, alice, bob)
            # Enough devices that both workers hold some of them.
            devices = [await connect(server, alice["token"]) for _ in range(8)]
            bob_ws = await connect(server, bob["token"])
            for n in range(5):
                await bob_ws.command(
                    "group.message.send", {"groupId": group_id, "content": f"m{n}"}, ref=str(n)
                )
            for device in devices:
                got = [
                    (await device.next_of("group.message.create"))["data"]["content"]
                    for _ in range(5)
                ]
                assert got == [f"m{n}" for n in range(5)]
            for client in (*devices, bob_ws):
                await client.ws.close()


async def test_redis_outage_delays_message_events_but_loses_none(
    server_env, private_redis, tmp_path
):
    """The issue's minimal case: X on server one; Redis stops; Y sends through server two
    (id N); Z sends through server one (N+1). X must get N before N+1, read from the database,
    and its cursor must never have passed N before N arrived."""
    env = {**server_env, "REDIS_URL": private_redis.url}
    with live_server(env, cwd=tmp_path) as one, live_server(env, cwd=tmp_path) as two:
        async with (
            httpx.AsyncClient(base_url=one.http) as http_one,
            httpx.AsyncClient(base_url=two.http) as http_two,
        ):
            x, y, z = [await register(http_one, name) for name in ("x", "y", "z")]
            group_id = await new_group(http_one, x, y, z)
            x_ws = await connect(one, x["token"])
            await post_message(http_one, y, group_id, "before")
            assert (await x_ws.next_of("group.message.create"))["data"]["content"] == "before"

            private_redis.kill()
            n = await post_message(http_two, y, group_id, "through two")
            n_plus_1 = await post_message(http_one, z, group_id, "through one")
            first = await x_ws.next_of("group.message.create", timeout=10)
            second = await x_ws.next_of("group.message.create", timeout=10)
            assert [first["data"]["id"], second["data"]["id"]] == [n["id"], n_plus_1["id"]]
            assert int(first["cursor"]) < int(second["cursor"])

            # Redis comes back: room events sent meanwhile may be lost, and clients are told.
            private_redis.start()
            stale = await x_ws.next_of("rooms.stale", timeout=15)
            assert stale["data"] == {"reason": "events_missed"}
            after = await post_message(http_two, y, group_id, "after")
            event = await x_ws.next_of("group.message.create", timeout=10)
            assert event["data"]["id"] == after["id"]
            await x_ws.ws.close()


async def test_a_change_no_event_announced_is_delivered_from_the_database(
    server_env, redis_url, tmp_path, database_url
):
    """A message stored without its event (a worker killed between commit and publish) still
    reaches the connected clients: the worker finds it in the database on its own."""
    env = {**server_env, "REDIS_URL": redis_url}
    with live_server(env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            group_id = await new_group(http, alice, bob)
            alice_ws = await connect(server, alice["token"])
            await store_silently(database_url, group_id, bob["id"], "never announced")
            event = await alice_ws.next_of("group.message.create", timeout=10)
            assert event["data"]["content"] == "never announced"
            shown = await post_message(http, bob, group_id, "announced")
            event = await alice_ws.next_of("group.message.create", timeout=10)
            assert event["data"]["id"] == shown["id"]
            await alice_ws.ws.close()


async def test_a_resume_ahead_of_the_worker_is_not_sent_again_when_the_worker_catches_up(
    server_env, tmp_path, database_url
):
    """A resume reads the database, which can be ahead of the worker's own stream of events
    (here: a change no event announced yet). When the stream catches up, the connection must
    not get what its replay already gave it."""
    with live_server(server_env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            group_id = await new_group(http, alice, bob)
            before = await post_message(http, bob, group_id, "seen")
            unseen = await store_silently(database_url, group_id, bob["id"], "replayed")
            resumed = await connect(server, alice["token"], since=str(before["id"]))
            replayed = await resumed.next_of("group.message.create")
            assert (replayed["data"]["id"], replayed["cursor"]) == (unseen, str(unseen))
            # The worker finds the change itself within a second or so: not for this client.
            await resumed.nothing_of("group.message.create", within=3)
            await resumed.ws.close()


async def store_silently(database_url: str, group_id: str, author_id: str, content: str) -> int:
    """Store a message as the service does (position under the order lock), publishing nothing."""
    import asyncpg

    from sanic_chat.messages import ORDER_LOCK, SEQUENCE

    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            position = await connection.fetchval(
                f"SELECT nextval('{SEQUENCE}') FROM pg_advisory_xact_lock({ORDER_LOCK})"
            )
            await connection.execute(
                "INSERT INTO group_messages (id, seq, group_id, author_id, content, created_at)"
                " VALUES ($1, $1, $2, $3, $4, now())",
                position,
                uuid.UUID(group_id),
                uuid.UUID(author_id),
                content,
            )
        return position
    finally:
        await connection.close()
