"""A page's reactions are read through indexes, however many reactions other messages have, in
a generic plan as in a custom one: the summaries by their primary key and the reader's own
reactions by (user_id, message_id); summed from the reactions, through the (message_id, emoji,
user_id) index."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sanic_chat.storage import DIALECTS
from sanic_chat_reactions.service import counts_statement, summaries_statement
from tests.plugins.group.test_history_plans import nodes

# Far above any id the other tests' messages take, so these rows touch none of theirs.
FIRST = 10**15
MESSAGES = 20_000
PER_MESSAGE = 5
PAGE = 50
INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@pytest.fixture(scope="module")
async def many_reactions(db):
    """Five reactions on each of many messages, with the statistics of the new rows."""
    async with db.acquire() as connection:
        users = [
            row["id"]
            for row in await connection.fetch(
                "INSERT INTO users (id, email, username, password_hash, created_at)"
                " SELECT id, 'plans_' || id || '@example.test', 'plans_' || left(id::text, 8),"
                " 'x', now()"
                f" FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, {PER_MESSAGE})) u"
                " RETURNING id"
            )
        ]
        try:
            await connection.execute(
                "INSERT INTO message_reactions (message_id, emoji, user_id, created_at)"
                " SELECT $1::bigint + n / $3::int,"
                " (ARRAY['👍', '❤️', '😂', '🎉', '👀'])[1 + n % $3::int],"
                " ($4::uuid[])[1 + (n / 7) % $3::int], now()"
                " FROM generate_series(0, $2::int * $3::int - 1) AS n",
                FIRST,
                MESSAGES,
                PER_MESSAGE,
                users,
            )
            await connection.execute(
                "INSERT INTO message_reaction_summaries (message_id, counts)"
                " SELECT message_id, jsonb_agg(jsonb_build_array(emoji, n) ORDER BY first)"
                " FROM (SELECT message_id, emoji, COUNT(*) AS n, MIN(id) AS first"
                "  FROM message_reactions WHERE message_id >= $1 GROUP BY 1, 2) AS e"
                " GROUP BY message_id",
                FIRST,
            )
            await connection.execute("ANALYZE message_reactions, message_reaction_summaries")
            yield connection, users
        finally:
            await connection.execute(
                "DELETE FROM message_reaction_summaries WHERE message_id >= $1", FIRST
            )
            await connection.execute("DELETE FROM message_reactions WHERE message_id >= $1", FIRST)
            await connection.execute("DELETE FROM users WHERE id = ANY($1::uuid[])", users)


async def explain(
    connection, mode: str, ids: list[int], viewer, statement=counts_statement
) -> dict[str, Any]:
    await connection.execute(f"SET plan_cache_mode = {mode}")
    postgres = DIALECTS["postgres"]
    among, _ = postgres.any_of(2, ids, "bigint")
    await connection.execute(f"PREPARE counts AS {statement(among, postgres.placeholder(1))}")
    try:
        array = "ARRAY[" + ",".join(map(str, ids)) + "]::bigint[]"
        text = await connection.fetchval(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON)"
            f" EXECUTE counts('{viewer}', {array})"
        )
    finally:
        await connection.execute("DEALLOCATE counts; RESET plan_cache_mode")
    return json.loads(text)[0]["Plan"]


@pytest.mark.parametrize("mode", ["force_generic_plan", "force_custom_plan"])
async def test_a_page_s_reactions_read_only_their_rows(many_reactions, mode):
    connection, users = many_reactions
    index = await connection.fetchval(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'message_reactions'"
        " AND indexdef LIKE '%(message_id, emoji, user_id)'"
    )
    page = [FIRST + MESSAGES // 2 + n for n in range(PAGE)]
    plan = await explain(connection, mode, page, users[0])
    scans = [node for node, _ in nodes(plan) if node.get("Relation Name") == "message_reactions"]
    index_scans = [node for node, _ in nodes(plan) if node.get("Index Name") == index]
    assert all(node["Node Type"] != "Seq Scan" for node in scans), plan
    assert [node["Node Type"] in INDEX_SCANS for node in index_scans] == [True], plan
    (read,) = scans
    assert read["Actual Rows"] * read["Actual Loops"] == PAGE * PER_MESSAGE, plan


@pytest.mark.parametrize("mode", ["force_generic_plan", "force_custom_plan"])
async def test_a_page_s_summaries_and_the_reader_s_own_reactions_read_only_their_rows(
    many_reactions, mode
):
    connection, users = many_reactions
    page = [FIRST + MESSAGES // 2 + n for n in range(PAGE)]
    plan = await explain(connection, mode, page, users[0], summaries_statement)
    scans = {
        relation: [node for node, _ in nodes(plan) if node.get("Relation Name") == relation]
        for relation in ("message_reaction_summaries", "message_reactions")
    }
    for relation, found in scans.items():
        assert [node["Node Type"] in INDEX_SCANS for node in found] == [True], (relation, plan)
    (summaries,) = scans["message_reaction_summaries"]
    assert summaries["Actual Rows"] * summaries["Actual Loops"] == PAGE, plan
    (own,) = scans["message_reactions"]
    mine = await connection.fetchval(
        "SELECT COUNT(*) FROM message_reactions WHERE user_id = $1 AND message_id = ANY($2)",
        users[0],
        page,
    )
    assert own["Actual Rows"] * own["Actual Loops"] == mine > 0, plan
