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
from sanic_chat_group.room import GROUP
from sanic_chat_read_state.service import counts_statement, mark_statement

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
    """A transaction holding USERS users in ROOMS_PER_USER rooms each, with their counters
    and (in most rooms) a position, analysed."""
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
                " SELECT u, kind, room, 900 + n, 900 + n FROM plan_rooms WHERE n % 4 <> 0;"
                "INSERT INTO read_tombstones (room_type, room_id, message_id)"
                " SELECT kind, room, 800 + 50 * d FROM plan_rooms, generate_series(1, 4) AS d"
            )
            # The group rooms are groups, each with its user as a member.
            await connection.execute(
                "INSERT INTO groups (id, title, owner_id, created_at)"
                " SELECT room, 'plan', u, now() FROM plan_rooms WHERE kind = 'group';"
                "INSERT INTO group_members (group_id, user_id, joined_at)"
                " SELECT room, u, now() FROM plan_rooms WHERE kind = 'group'"
            )
            await connection.execute(
                "ANALYZE groups, group_members, read_rooms, read_positions, read_tombstones"
            )
            yield connection, users
        finally:
            await transaction.rollback()


def index_only_problems(plan: dict[str, Any]) -> list[str]:
    """What in the plan reads a table other than through an index of the read-state tables or
    of the membership table (no message table, no sequential scan)."""
    problems = []
    for node in nodes(plan):
        relation = node.get("Relation Name")
        if relation is None:
            continue
        if not relation.startswith("read_") and relation != "group_members":
            problems.append(f"reads {relation}")
        if "Index Name" not in node and node["Node Type"] != "Bitmap Heap Scan":
            problems.append(f"{node['Node Type']} of {relation}")
    return problems


@pytest.mark.parametrize("mode", MODES)
async def test_counts_read_indexes_and_no_message(positions, mode):
    connection, users = positions
    reader = users[USERS // 2]
    rooms = await connection.fetch(
        "SELECT room, n % 4 = 0 AS unplaced, message_count - deleted_count AS total"
        " FROM plan_rooms JOIN read_rooms ON room_id = room WHERE u = $1 AND kind = 'group'",
        reader,
    )
    statement = counts_statement(GROUP, "$")
    plan = await explain(connection, statement, mode, f"'{reader}', 'group'")
    assert index_only_problems(plan) == [], plan
    assert plan["Actual Rows"] == len(rooms)
    for table in ("group_members", "read_positions", "read_rooms"):
        (scan,) = [node for node in nodes(plan) if node.get("Relation Name") == table]
        assert not scan.get("Rows Removed by Filter"), plan

    # Every room of the reader's is answered; one without a position has all but its
    # tombstones unread.
    answered = {row["room_id"]: row for row in await connection.fetch(statement, reader, "group")}
    assert answered.keys() == {row["room"] for row in rooms}
    for row in rooms:
        if row["unplaced"]:
            assert answered[row["room"]]["last_read_id"] is None
            assert answered[row["room"]]["unread"] == row["total"]
        else:
            assert answered[row["room"]]["last_read_id"] is not None


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
