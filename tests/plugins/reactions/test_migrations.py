"""The migration that added reaction summaries sums the reactions already stored."""

from __future__ import annotations

import json

import asyncpg

from tests.database import apply_migrations, database_prefix, insert_users, migrated_database

SUMMARIES = "1_20261130003240_summaries.py"


async def test_the_summaries_migration_sums_the_reactions_already_stored(postgres_server):
    async with migrated_database(postgres_server, database_prefix()) as url:
        connection = await asyncpg.connect(url)
        try:
            # The schema as it was before the migration: no summaries, and reactions in it.
            await connection.execute(
                "DROP TABLE message_reaction_summaries;"
                f"DELETE FROM aerich WHERE app = 'reactions' AND version = '{SUMMARIES}'"
            )
            users = await insert_users(connection, 3)
            for message_id, emoji, user in [
                (7, "🎉", users[0]),
                (7, "👍", users[1]),
                (7, "🎉", users[2]),
                (8, ":ship_it:", users[1]),
            ]:
                await connection.execute(
                    "INSERT INTO message_reactions (message_id, emoji, user_id, created_at)"
                    " VALUES ($1, $2, $3, now())",
                    message_id,
                    emoji,
                    user,
                )
        finally:
            await connection.close()

        output = await apply_migrations(url)
        assert f"reactions/{SUMMARIES}" in output, output

        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT message_id, counts FROM message_reaction_summaries ORDER BY message_id"
            )
        finally:
            await connection.close()
        assert [(row["message_id"], json.loads(row["counts"])) for row in rows] == [
            (7, [["🎉", 2], ["👍", 1]]),
            (8, [[":ship_it:", 1]]),
        ]
