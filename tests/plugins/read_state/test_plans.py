"""Reading unread counts reads the reader's positions and the rooms' counters: no message.

asyncpg prepares statements and PostgreSQL may give a prepared statement a generic plan: both
plans are checked, over a moderate positions table (hundreds of users, each in many rooms of
two kinds) whose statistics are fresh. The rows are written inside a transaction that is rolled
back, so the other tests never see them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sanic_chat_group.models import GroupMessage
from sanic_chat_read_state.service import (
    mark_statement,
    positions_statement,
    unread_rooms_statement,
)

USERS = 300
ROOMS_PER_USER = 100
MODES = ("force_generic_plan", "force_custom_plan")


def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


async def explain(
    connection, statement: str, mode: str, arguments: str, analyze: bool = True
) -> dict[str, Any]:
    """The plan of `statement` prepared, as asyncpg prepares it, and run with `arguments`
    (SQL literals) under `mode` (a generic plan knows none of them)."""
    await connection.execute(f"SET LOCAL plan_cache_mode = {mode}")
    await connection.execute(f"PREPARE planned AS {statement}")
    options = "ANALYZE, TIMING OFF, " if analyze else ""
    text = await connection.fetchval(
        f"EXPLAIN ({options}COSTS OFF, FORMAT JSON) EXECUTE planned({arguments})"
    )
    await connection.execute("DEALLOCATE planned")
    return json.loads(text)[0]["Plan"]


@pytest.fixture
async def positions(db):
    """A transaction holding USERS users with ROOMS_PER_USER positions each, analysed."""
    async with db.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            users = [uuid.uuid4() for _ in range(USERS)]
            await connection.executemany(
                "INSERT INTO users (id, email, username, password_hash, created_at)"
                " VALUES ($1, $2, $3, '!', now())",
                [(u, f"{u.hex}@plans.test", f"p{u.hex[:20]}") for u in users],
            )
            await connection.execute(
                "CREATE TEMP TABLE plan_rooms ON COMMIT DROP AS"
                " SELECT u, n, gen_random_uuid() AS room,"
                " CASE WHEN n % 3 = 0 THEN 'conversation' ELSE 'group' END AS kind"
                " FROM unnest($1::uuid[]) AS u, generate_series(1, $2) AS n",
                users,
                ROOMS_PER_USER,
            )
            await connection.execute(
                "INSERT INTO read_rooms"
                " (room_type, room_id, message_count, deleted_count, counted_from)"
                " SELECT kind, room, 1000 + n, n % 5, 1 FROM plan_rooms;"
                "INSERT INTO read_positions"
                " (user_id, room_type, room_id, last_read_id, read_count)"
                " SELECT u, kind, room, 900 + n, 900 + n FROM plan_rooms;"
                "INSERT INTO read_tombstones (room_type, room_id, message_id)"
                " SELECT kind, room, 800 + 50 * d FROM plan_rooms, generate_series(1, 4) AS d"
            )
            await connection.execute("ANALYZE read_rooms, read_positions, read_tombstones")
            yield connection, users
        finally:
            await transaction.rollback()


def index_only_problems(plan: dict[str, Any]) -> list[str]:
    """What in the plan reads a table other than through one of the read-state indexes."""
    problems = []
    for node in nodes(plan):
        relation = node.get("Relation Name")
        if relation is None:
            continue
        if not relation.startswith("read_"):
            problems.append(f"reads {relation}")
        if "Index Name" not in node and node["Node Type"] != "Bitmap Heap Scan":
            problems.append(f"{node['Node Type']} of {relation}")
    for node in nodes(plan):
        if node.get("Index Name") and not node["Index Name"].startswith("uid_read_"):
            problems.append(f"index {node['Index Name']}")
    return problems


@pytest.mark.parametrize("mode", MODES)
async def test_counts_read_indexes_and_no_message(positions, mode):
    connection, users = positions
    reader = users[USERS // 2]
    expected = await connection.fetchval(
        "SELECT count(*) FROM read_positions WHERE user_id = $1 AND room_type = 'group'", reader
    )
    plan = await explain(connection, positions_statement("$"), mode, f"'{reader}', 'group'")
    assert index_only_problems(plan) == [], plan
    scans = [node for node in nodes(plan) if node.get("Relation Name") == "read_positions"]
    # An index scan, or a bitmap heap scan over the index: its range is the user's rows.
    (scan,) = scans
    assert "user_id" in scan.get("Index Cond", scan.get("Recheck Cond", "")), plan
    assert not any(node.get("Rows Removed by Filter") for node in nodes(plan)), plan
    assert plan["Actual Rows"] == expected

    rooms = [
        row["room"]
        for row in await connection.fetch(
            "SELECT room FROM plan_rooms WHERE kind = 'group' ORDER BY n LIMIT 200"
        )
    ]
    listed = ", ".join(f"'{room}'" for room in rooms)
    statement = unread_rooms_statement("$", len(rooms))
    plan = await explain(connection, statement, mode, f"'group', ARRAY[{listed}]::uuid[]")
    assert index_only_problems(plan) == [], plan
    assert plan["Actual Rows"] == len(rooms)


@pytest.mark.parametrize("mode", MODES)
async def test_a_mark_counts_only_the_messages_after_the_position(db, mode):
    """Moving a position counts from the (room, id) index after it, never from the start."""
    table = GroupMessage._meta.db_table
    async with db.acquire() as connection, connection.transaction():
        await connection.execute("SET LOCAL enable_seqscan = off")
        index = await connection.fetchval(
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename = $1 AND indexdef LIKE '%(group_id, id)'",
            table,
        )
        arguments = f"'{uuid.uuid4()}', 'group', '{uuid.uuid4()}', 1"
        statement = mark_statement(table, "group_id", "$")
        plan = await explain(connection, statement, mode, arguments, analyze=False)
    (scan,) = [node for node in nodes(plan) if node.get("Relation Name") == table]
    # An index scan, or a bitmap heap scan over the index: either way, the room's range.
    (used,) = [node for node in nodes(scan) if "Index Name" in node]
    assert used["Index Name"] == index, plan
    # Bounded below by the position and above by the room's last possible id.
    assert "ROW(group_id, id) > ROW(" in used["Index Cond"], plan
    assert "ROW(group_id, id) <= ROW(" in used["Index Cond"], plan
