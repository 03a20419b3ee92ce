"""`unread`: one user's unread counts in 500 rooms, with a million messages stored; and what
keeping the counters costs a send.

The reader has read the older half of each room, so half the messages wait for them: counting
those would read every one, so the request is timed against a target only counters can meet.
`GET /api/read-state` returns every room's count (what `ready` carries); `GET /api/group`, the
same counts on the full group list, is timed beside it, and again from a server without the
plugin. Sends into a room of many members are timed with the counters' triggers and without
them: one by one over REST, and as the server's statement storing a batch of drafts.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import aiohttp
import asyncpg

from sanic_chat.messages.statements import send_statement
from sanic_chat_group.room import MEMBERS

from .harness import (
    access_token,
    collector_paused,
    create_users,
    fresh_database,
    running_server,
    server_env,
)
from .report import latency_summary, print_table, verdict

TARGET_P50_MS = 20.0
# Drafts per send statement, as concurrent senders fill a batch; statements per round.
BATCH = 32
STATEMENTS = 30


def add_arguments(parser) -> None:
    parser.add_argument("--rooms", type=int, default=500, help="rooms the reader is in")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sends", type=int, default=300, help="sends timed each way")
    parser.add_argument("--members", type=int, default=100, help="members of the send room")
    parser.add_argument("--rounds", type=int, default=10, help="batch rounds each way")


def quick(options) -> None:
    options.rooms, options.messages, options.requests = 50, 20_000, 50
    options.sends, options.members, options.rounds = 50, 20, 3


async def run(options) -> dict:
    async with fresh_database() as database_url:
        users = await create_users(database_url, max(options.members, 3) + 2)
        reader, others = users[0], users[1:]
        # A server installs the counters on the message tables as it starts. The one timed
        # starts after the load (see bench.harness.running_server).
        with running_server(server_env(database_url)):
            pass
        loaded_in, waiting = await _load(database_url, reader, others, options)
        send_room = await _big_room(database_url, others[: options.members])
        with running_server(server_env(database_url)) as server:
            headers = {"Authorization": f"Bearer {access_token(reader)}"}
            async with aiohttp.ClientSession(server.http, headers=headers) as http:
                counts = await _time_get(http, "/api/read-state", options.requests, options.rooms)
                lists = await _time_get(http, "/api/group", options.requests, options.rooms)
            author = {"Authorization": f"Bearer {access_token(others[0])}"}
            async with aiohttp.ClientSession(server.http, headers=author) as http:
                with_counters = await _time_sends(http, send_room, options.sends)
                await _counters(database_url, enabled=False)
                without = await _time_sends(http, send_room, options.sends)
                await _counters(database_url, enabled=True)
        batches = await _time_batches(
            database_url, send_room, others[: options.members], options.rounds
        )
        # The same list from a server without the plugin: what the counts add to it.
        plain = server_env(database_url, PLUGINS_DISABLED="read_state")
        with running_server(plain) as server:
            async with aiohttp.ClientSession(server.http, headers=headers) as http:
                bare_lists = await _time_get(http, "/api/group", options.requests, options.rooms)

    figures = {
        "rooms": options.rooms,
        "messages": options.messages,
        "unread_waiting": waiting,
        "bulk_load_s": round(loaded_in, 1),
        "read_state": counts,
        "group_list": lists,
        "group_list_without_read_state": bare_lists,
        "send_members": options.members,
        "send_with_counters": with_counters,
        "send_without_counters": without,
        "batch_statement": batches,
        "met": counts["p50_ms"] <= TARGET_P50_MS,
    }
    print_table(
        f"unread: {options.rooms} rooms, {options.messages:,} messages, {waiting:,} unread waiting",
        [
            ("GET /api/read-state p50 / p99 ms", f"{counts['p50_ms']} / {counts['p99_ms']}"),
            ("GET /api/group p50 / p99 ms", f"{lists['p50_ms']} / {lists['p99_ms']}"),
            (
                "GET /api/group, plugin disabled, p50 / p99 ms",
                f"{bare_lists['p50_ms']} / {bare_lists['p99_ms']}",
            ),
            (
                f"send, {options.members} members, counters p50 / p99 ms",
                f"{with_counters['p50_ms']} / {with_counters['p99_ms']}",
            ),
            (
                f"send, {options.members} members, no counters p50 / p99 ms",
                f"{without['p50_ms']} / {without['p99_ms']}",
            ),
            (
                f"send statement, batch of {batches['batch']}, counters / none, mean ms",
                f"{batches['with_counters_ms']} / {batches['without_counters_ms']}",
            ),
            (f"target read-state p50 <= {TARGET_P50_MS} ms", verdict(figures["met"])),
        ],
    )
    return figures


async def _load(database_url: str, reader: str, others: list[str], options) -> tuple[float, int]:
    """The reader's rooms (each with two other members), a million messages spread over
    them, and what the counters would hold: the reader has read the older half of each room.
    Loaded with the triggers off (a trigger per message would make the load slow, not the
    reads faster), the counters computed in a statement each instead."""
    connection = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        reader_id = uuid.UUID(reader)
        rooms = [
            row["id"]
            for row in await connection.fetch(
                "INSERT INTO groups (id, title, owner_id, created_at)"
                " SELECT gen_random_uuid(), 'bench ' || n, $1, now()"
                " FROM generate_series(1, $2) AS n RETURNING id",
                reader_id,
                options.rooms,
            )
        ]
        members = [
            (room, user)
            for n, room in enumerate(rooms)
            for user in (reader_id, uuid.UUID(others[n % len(others)]), uuid.UUID(others[-1]))
        ]
        await connection.executemany(
            "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, now())"
            " ON CONFLICT DO NOTHING",
            members,
        )
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute(
                "INSERT INTO group_messages"
                " (id, seq, group_id, author_id, content, created_at, sent_fields)"
                " SELECT n, n, r.rooms[1 + n % array_length(r.rooms, 1)], $2, 'bulk ' || n, now(),"
                " '{}'"
                " FROM (SELECT $1::uuid[] AS rooms) AS r,"
                " (SELECT nextval('chat_message_seq') AS n FROM generate_series(1, $3)) AS ids",
                rooms,
                uuid.UUID(others[-1]),
                options.messages,
            )
            # What the counters would hold had the messages been sent one by one, with every
            # member having read the older half of each room.
            await connection.execute(
                "INSERT INTO read_rooms"
                " (room_type, room_id, message_count, deleted_count, counted_from)"
                " SELECT 'group', group_id, count(*), 0, min(id) FROM group_messages"
                " GROUP BY group_id"
            )
            await connection.execute(
                "INSERT INTO read_positions"
                " (user_id, room_type, room_id, last_read_id, read_count)"
                " SELECT member.user_id, 'group', member.group_id, half.id,"
                "  (SELECT count(*) FROM group_messages m"
                "   WHERE m.group_id = member.group_id AND m.id <= half.id)"
                " FROM group_members member, LATERAL ("
                "  SELECT id FROM group_messages WHERE group_id = member.group_id"
                "  ORDER BY id OFFSET (SELECT message_count / 2 FROM read_rooms"
                "   WHERE room_id = member.group_id) LIMIT 1"
                " ) AS half"
                " WHERE member.user_id <> $1",
                uuid.UUID(others[-1]),
            )
        loaded_in = time.perf_counter() - started
        waiting = await connection.fetchval(
            "SELECT sum(r.message_count - p.read_count) FROM read_positions p"
            " JOIN read_rooms r ON r.room_type = p.room_type AND r.room_id = p.room_id"
            " WHERE p.user_id = $1",
            reader_id,
        )
        await connection.execute(
            "VACUUM (ANALYZE) group_messages, group_members, read_rooms, read_positions"
        )
        try:
            await connection.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass  # not a superuser: the timings may wobble more
    finally:
        await connection.close()
    return loaded_in, int(waiting or 0)


async def _big_room(database_url: str, members: list[str]) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        room = await connection.fetchval(
            "INSERT INTO groups (id, title, owner_id, created_at)"
            " VALUES (gen_random_uuid(), 'crowd', $1, now()) RETURNING id",
            uuid.UUID(members[0]),
        )
        await connection.executemany(
            "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, now())",
            [(room, uuid.UUID(user)) for user in members],
        )
    finally:
        await connection.close()
    return str(room)


async def _counters(database_url: str, enabled: bool) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        action = "ENABLE" if enabled else "DISABLE"
        await connection.execute(
            f"ALTER TABLE group_messages {action} TRIGGER read_state_on_insert"
        )
    finally:
        await connection.close()


async def _time_batches(database_url: str, room: str, members: list[str], rounds: int) -> dict:
    """The server's send statement with a batch of drafts from different members, as the
    server batches concurrent sends: rounds with the counters and without them, interleaved so
    that the machine's other work weighs on both alike."""
    statement = send_statement("group_messages", "group_id", MEMBERS.sql())
    authors = [uuid.UUID(user) for user in members[:BATCH]]
    timings: dict[bool, list[float]] = {True: [], False: []}
    connection = await asyncpg.connect(database_url)
    try:
        for round_number in range(2 * rounds):
            counted = round_number % 2 == 0
            await _counters(database_url, enabled=counted)
            for n in range(STATEMENTS):
                drafts = [
                    (uuid.UUID(room), author, f"batch {n}", None, datetime.now(timezone.utc), "{}")
                    for author in authors
                ]
                columns = [list(column) for column in zip(*drafts, strict=True)]
                started = time.perf_counter()
                await connection.fetch(statement, *columns)
                timings[counted].append(time.perf_counter() - started)
    finally:
        await _counters(database_url, enabled=True)
        await connection.close()
    return {
        "batch": len(authors),
        "with_counters_ms": round(1000 * sum(timings[True]) / len(timings[True]), 3),
        "without_counters_ms": round(1000 * sum(timings[False]) / len(timings[False]), 3),
    }


async def _time_get(http, path: str, count: int, rooms: int) -> dict:
    for _ in range(10):  # warm-up
        async with http.get(path) as response:
            await response.read()
    latencies = []
    with collector_paused():
        for _ in range(count):
            started = time.perf_counter()
            async with http.get(path) as response:
                body = await response.json()
                assert response.status == 200, response.status
            latencies.append(time.perf_counter() - started)
    listed = body.get("rooms", body.get("groups"))
    assert len(listed) == rooms, len(listed)
    # Every room has its newer half unread (absent only when the plugin is disabled).
    assert all(room.get("unreadCount", 1) > 0 for room in listed)
    return latency_summary(latencies)


async def _time_sends(http, room: str, count: int) -> dict:
    path = f"/api/group/{room}/message"
    for n in range(10):  # warm-up
        async with http.post(path, json={"content": f"warm {n}"}) as response:
            await response.read()
    latencies = []
    with collector_paused():
        for n in range(count):
            started = time.perf_counter()
            async with http.post(path, json={"content": f"send {n}"}) as response:
                await response.read()
                assert response.status == 201, response.status
            latencies.append(time.perf_counter() - started)
    return latency_summary(latencies)
