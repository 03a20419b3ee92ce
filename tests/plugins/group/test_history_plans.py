"""A history page reads the page and nothing more, whatever the room's shape and the statistics.

asyncpg prepares its statements and PostgreSQL may switch a prepared statement to a generic
plan, where the room, the bound and the page size are unknown; a custom plan sees them but
trusts the statistics. Either way, and with a users table of thousands (where a join under the
page's limit could become a hash join over the rest of the room), the plan must read the
room's (group_id, id) index in the page's order, stop after the page and only then name the
authors.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from sanic_chat.messages.statements import latest_statement, page_statement
from sanic_chat_group.room import MEMBERS
from tests.database import with_database
from tests.settings import TEST_SETTINGS

USERS = 3_000
MESSAGES = 100_000
PAGE = 51  # a page of 50 and the row that says whether there is an older one

# Each shape: how many rooms, and the room of message n (1-based) as SQL over `rooms`, an
# array of their ids; the room(s) whose pages are read.
SHAPES = {
    "one room holds every row": (1, "rooms[1]", [0]),
    # 1 message in 400 goes to the quiet room, the rest round the 20 busy ones.
    "a quiet room among busy ones": (
        21,
        "CASE WHEN n % 400 = 0 THEN rooms[1] ELSE rooms[2 + n % 20] END",
        [0],
    ),
    "interleaved rooms": (4, "rooms[1 + n % 4]", [0, 1, 2, 3]),
}
MODES = ("force_generic_plan", "force_custom_plan")


@pytest.fixture(scope="module")
async def plans_db(postgres_server: str) -> AsyncIterator[asyncpg.Connection]:
    """A database of its own (the rows would skew other tests' plans), with many users.

    Migrated by `sanic-chat db upgrade` in a process of its own: aerich in this process would
    trust the Tortoise state the app tests leave behind.
    """
    name = f"sanic_chat_plans_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(postgres_server, name)
    try:
        env = {**os.environ, **{k: str(v) for k, v in TEST_SETTINGS.items()}, "DATABASE_URL": url}
        upgrade = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "sanic_chat", "db", "upgrade"),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await upgrade.communicate()
        assert upgrade.returncode == 0, output.decode()
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(
                "INSERT INTO users (id, email, username, password_hash, created_at)"
                " SELECT gen_random_uuid(), 'user' || n || '@example.com', 'user' || n, 'x', now()"
                " FROM generate_series(1, $1) AS n",
                USERS,
            )
            yield connection
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def load(connection: asyncpg.Connection, shape: str) -> tuple[list[uuid.UUID], uuid.UUID]:
    """Fill group_messages with the shape (authors spread over every user); return its rooms
    and a member of them all, with the statistics of the new rows."""
    count, room_of, _ = SHAPES[shape]
    await connection.execute("TRUNCATE group_messages, group_members, groups")
    reader = await connection.fetchval("SELECT id FROM users ORDER BY username LIMIT 1")
    rooms = [uuid.uuid4() for _ in range(count)]
    await connection.executemany(
        "INSERT INTO groups (id, title, owner_id, created_at) VALUES ($1, 'room', $2, now())",
        [(room, reader) for room in rooms],
    )
    await connection.executemany(
        "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, now())",
        [(room, reader) for room in rooms],
    )
    await connection.execute(
        "WITH authors AS (SELECT array_agg(id) AS ids FROM users)"
        " INSERT INTO group_messages (id, seq, group_id, author_id, content, created_at)"
        f" SELECT n, n, {room_of}, authors.ids[1 + n * 7919 % $2], 'message ' || n, now()"
        " FROM authors, (SELECT $1::uuid[] AS rooms) AS r,"
        " (SELECT nextval('chat_message_seq') AS n FROM generate_series(1, $3)) AS ids",
        rooms,
        USERS,
        MESSAGES,
    )
    await connection.execute("ANALYZE")
    return rooms, reader


def nodes(node: dict[str, Any], ancestors: tuple = ()) -> Iterator[tuple[dict, tuple]]:
    """Every node of an EXPLAIN (FORMAT JSON) plan, with the nodes above it."""
    yield node, ancestors
    for child in node.get("Plans", []):
        yield from nodes(child, (*ancestors, node))


def subtree_relations(node: dict[str, Any]) -> set[str]:
    return {n["Relation Name"] for n, _ in nodes(node) if "Relation Name" in n}


def page_only_problems(plan: dict[str, Any], room_index: str) -> list[str]:
    """What in the plan reads more of the room than the page (empty when nothing does)."""
    problems = []
    for node, _ in nodes(plan):
        if node["Node Type"] in ("Hash Join", "Merge Join", "Sort", "Incremental Sort"):
            problems.append(node["Node Type"])
    scans = [(n, up) for n, up in nodes(plan) if n.get("Relation Name") == "group_messages"]
    if len(scans) != 1:
        return [*problems, f"{len(scans)} scans of group_messages"]
    (scan, ancestors) = scans[0]
    if scan["Node Type"] != "Index Scan" or scan.get("Index Name") != room_index:
        problems.append(f"{scan['Node Type']} {scan.get('Index Name', '')} of group_messages")
    if scan["Actual Loops"] != 1 or scan["Actual Rows"] > PAGE:
        problems.append(f"read {scan['Actual Rows']} rows x {scan['Actual Loops']}")
    limits = [n for n in ancestors if n["Node Type"] == "Limit"]
    if not limits:
        problems.append("no limit above the scan")
    elif "users" in subtree_relations(limits[-1]):
        problems.append("the authors are read under the page's limit")
    return problems


async def explain(connection, statement: str, mode: str, arguments: str) -> dict[str, Any]:
    await connection.execute(f"SET plan_cache_mode = {mode}")
    await connection.execute(f"PREPARE page AS {statement}")
    try:
        text = await connection.fetchval(
            f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) EXECUTE page({arguments})"
        )
    finally:
        await connection.execute("DEALLOCATE page; RESET plan_cache_mode")
    return json.loads(text)[0]["Plan"]


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_page_reads_only_its_rows_in_every_plan(plans_db, shape):
    rooms, reader = await load(plans_db, shape)
    room_index = await plans_db.fetchval(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'group_messages'"
        " AND indexdef LIKE '%(group_id, id)'"
    )
    failures = []
    for room in (rooms[n] for n in SHAPES[shape][2]):
        ids = [
            row["id"]
            for row in await plans_db.fetch(
                "SELECT id FROM group_messages WHERE group_id = $1 ORDER BY id", room
            )
        ]
        assert len(ids) >= 4 * PAGE
        # The newest page, a page from the middle of the room, and the page after its first
        # quarter (read oldest first, so the rest of the room lies beyond it).
        pages = {None: None, "before": ids[len(ids) // 2], "after": ids[len(ids) // 4]}
        for bound, start in pages.items():
            statement = page_statement(
                "group_messages", "group_id", "users", MEMBERS.sql(), bound, "$"
            )
            arguments = f"'{room}', '{reader}', {PAGE}" + ("" if start is None else f", {start}")
            for mode in MODES:
                plan = await explain(plans_db, statement, mode, arguments)
                problems = page_only_problems(plan, room_index)
                if problems:
                    failures.append(f"{bound or 'newest'} page, {mode}: {problems}")
    assert not failures, "\n".join(failures)


async def test_a_stranger_s_page_reads_no_message(plans_db):
    """Membership is checked once, before the room is read: one statement, no rows."""
    rooms, _ = await load(plans_db, "interleaved rooms")
    stranger = await plans_db.fetchval("SELECT id FROM users ORDER BY username DESC LIMIT 1")
    statement = page_statement("group_messages", "group_id", "users", MEMBERS.sql(), None, "$")
    for mode in MODES:
        plan = await explain(plans_db, statement, mode, f"'{rooms[0]}', '{stranger}', {PAGE}")
        (scan,) = [n for n, _ in nodes(plan) if n.get("Relation Name") == "group_messages"]
        assert plan["Actual Rows"] == 0
        assert scan["Actual Loops"] == 0, mode


def sqlite_rooms(script: str) -> sqlite3.Connection:
    """An in-memory SQLite database where rooms a and b take turns: a has the odd message ids
    1-19 (by ann, u1), b the even ones (by bob, u2); then `script` runs."""
    db = sqlite3.connect(":memory:")
    db.executescript(
        "CREATE TABLE users (id TEXT PRIMARY KEY, username TEXT);"
        "CREATE TABLE group_messages (id INTEGER PRIMARY KEY, group_id TEXT, author_id TEXT,"
        " content TEXT, client_id TEXT, created_at TEXT, edited_at TEXT, deleted_at TEXT,"
        " seq INTEGER, sent_fields TEXT, amended_by TEXT);"
        "CREATE INDEX room_order ON group_messages (group_id, id);"
        "INSERT INTO users VALUES ('u1', 'ann'), ('u2', 'bob');"
    )
    db.executemany(
        "INSERT INTO group_messages (id, group_id, author_id, content, created_at, seq)"
        " VALUES (?1, ?2, ?3, ?4, '2026-01-01', ?1)",
        [(n, "a" if n % 2 else "b", "u1" if n % 2 else "u2", f"m{n}") for n in range(1, 21)],
    )
    db.executescript(script)
    return db


def test_pages_on_sqlite():
    """The same statement with SQLite's marks: the pages, their order and membership."""
    db = sqlite_rooms(
        "CREATE TABLE group_members (group_id TEXT, user_id TEXT);"
        "INSERT INTO group_members VALUES ('a', 'u1'), ('b', 'u2');"
    )
    members = MEMBERS.sql()

    def page(bound, values):
        statement = page_statement("group_messages", "group_id", "users", members, bound, "?")
        return [(row[0], row[3]) for row in db.execute(statement, values)]

    assert page(None, ("a", "u1", 3)) == [(19, "ann"), (17, "ann"), (15, "ann")]
    assert page("before", ("a", "u1", 3, 15)) == [(13, "ann"), (11, "ann"), (9, "ann")]
    assert page("after", ("a", "u1", 2, 15)) == [(17, "ann"), (19, "ann")]
    assert page("before", ("a", "u1", 3, 3)) == [(1, "ann")]
    assert page(None, ("a", "u2", 3)) == []  # not a member of a


def latest_problems(plan: dict[str, Any], rooms: int) -> list[str]:
    """What in the plan of `latest_statement` reads more of the messages or the users than one
    row per room (the rooms themselves, a few here, may be read in any way)."""
    problems = []
    for node, _ in nodes(plan):
        relation = node.get("Relation Name")
        if node["Node Type"] in ("Hash Join", "Merge Join", "Sort") or (
            relation in ("group_messages", "users")
            and node["Node Type"] in ("Seq Scan", "Bitmap Heap Scan")
        ):
            problems.append(f"{node['Node Type']} {relation or ''}")
        if relation == "group_messages":
            read = node["Actual Rows"] * node["Actual Loops"]
            if read > rooms:
                problems.append(f"read {read} rows of group_messages in {node['Node Type']}")
    return problems


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_room_list_reads_one_message_per_room_in_every_plan(plans_db, shape):
    """The newest message of each room of a list: one step down the room's index each."""
    rooms, _ = await load(plans_db, shape)
    statement = latest_statement(
        "group_messages", "group_id", "groups", "users", "= ANY($1::uuid[])"
    )
    expected = {
        row["group_id"]: row["id"]
        for row in await plans_db.fetch(
            "SELECT group_id, MAX(id) AS id FROM group_messages GROUP BY group_id"
        )
    }
    rows = await plans_db.fetch(statement, rooms)
    assert {row["room_id"]: row["id"] for row in rows} == expected
    assert all(row["author_name"] for row in rows)
    array = "ARRAY[" + ",".join(f"'{room}'" for room in rooms) + "]::uuid[]"
    failures = []
    for mode in MODES:
        plan = await explain(plans_db, statement, mode, array)
        problems = latest_problems(plan, len(rooms))
        if problems:
            failures.append(f"{mode}: {problems}")
    assert not failures, "\n".join(failures)


def test_room_list_on_sqlite():
    """The same statement with SQLite's marks: each room's newest message, none for an empty
    room, whatever the other rooms hold."""
    db = sqlite_rooms(
        "CREATE TABLE groups (id TEXT PRIMARY KEY);"
        "INSERT INTO groups VALUES ('a'), ('b'), ('empty'), ('unlisted');"
        "INSERT INTO group_messages VALUES (21, 'unlisted', 'u1', 'm21', NULL, '2026-01-01',"
        " NULL, NULL, 21, '{}', NULL);"
    )
    statement = latest_statement("group_messages", "group_id", "groups", "users", "IN (?1, ?2, ?3)")
    rows = db.execute(statement, ("a", "b", "empty")).fetchall()
    assert sorted((row[1], row[0], row[3], row[4]) for row in rows) == [
        ("a", 19, "ann", "m19"),
        ("b", 20, "bob", "m20"),
    ]
