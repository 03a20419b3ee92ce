"""Each group's member count is a counter kept by triggers on `group_members`: right after
every change of members, a user deleted in the database included, and read by room lists
without counting memberships."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid

from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from tests.database import apply_migrations, database_prefix, insert_users, migrated_database
from tests.plugins.group.test_routes import make_group
from tests.settings import TEST_SETTINGS

COUNTS_MIGRATION = "3_20261130010658_member_count.py"


async def counts(client, account) -> dict[str, int]:
    _, response = await client.get("/api/group", headers=account.headers)
    assert response.status == 200, response.text
    return {group["id"]: group["memberCount"] for group in response.json["groups"]}


async def test_counts_follow_every_change_of_members(client, register, db):
    owner, first, second = await register("owner"), await register("a"), await register("b")
    group = (await make_group(client, owner, first))["id"]
    alone = (await make_group(client, owner))["id"]
    assert await counts(client, owner) == {group: 2, alone: 1}

    _, added = await client.post(
        f"/api/group/{group}/recipient", json={"recipientId": second.id}, headers=owner.headers
    )
    assert added.status == 201, added.text
    assert (await counts(client, owner))[group] == 3
    _, removed = await client.request(
        "delete",
        f"/api/group/{group}/recipient",
        json={"recipientId": first.id},
        headers=owner.headers,
    )
    assert removed.status == 200, removed.text
    assert (await counts(client, owner))[group] == 2
    _, left = await client.delete(f"/api/group/{group}/leave", headers=second.headers)
    assert left.status == 200, left.text
    assert (await counts(client, owner))[group] == 1

    # Memberships the service never sees go: a user deleted in the database.
    _, added = await client.post(
        f"/api/group/{group}/recipient", json={"recipientId": first.id}, headers=owner.headers
    )
    assert (await counts(client, owner))[group] == 2
    await db.execute("DELETE FROM users WHERE id = $1", uuid.UUID(first.id))
    assert await counts(client, owner) == {group: 1, alone: 1}
    stored = await db.fetch(
        "SELECT g.member_count, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)"
        " AS members FROM groups g WHERE g.id = ANY($1::uuid[])",
        [uuid.UUID(group), uuid.UUID(alone)],
    )
    assert [(row["member_count"], row["members"]) for row in stored] == [(1, 1), (1, 1)]


async def test_the_room_list_counts_no_memberships(client, register, monkeypatch):
    from tortoise.backends.asyncpg.client import AsyncpgDBClient

    owner, member = await register("owner"), await register("m")
    await make_group(client, owner, member)
    statements: list[str] = []
    for method in ("execute_query", "execute_query_dict", "execute_select"):
        original = getattr(AsyncpgDBClient, method, None)
        if original is None:
            continue

        async def recording(self, query, *args, original=original, **kwargs):
            statements.append(str(query))
            return await original(self, query, *args, **kwargs)

        monkeypatch.setattr(AsyncpgDBClient, method, recording)
    assert len(await counts(client, owner)) == 1
    # Counting memberships would group them by group.
    counting = [s for s in statements if "group_members" in s and "GROUP BY" in s.upper()]
    assert statements and not counting, counting


async def test_the_migration_counts_the_members_already_stored(postgres_server):
    async with migrated_database(postgres_server, database_prefix()) as url:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            # The schema as it was before the migration, with a group of two in it.
            await connection.execute(
                'DROP TRIGGER "group_member_count" ON group_members;'
                'DROP FUNCTION "group_member_count"();'
                "ALTER TABLE groups DROP COLUMN member_count;"
                f"DELETE FROM aerich WHERE app = 'group' AND version = '{COUNTS_MIGRATION}'"
            )
            users = await insert_users(connection, 2)
            group = await connection.fetchval(
                "INSERT INTO groups (id, title, owner_id, created_at)"
                " VALUES ($1, 'old', $2, now()) RETURNING id",
                uuid.uuid4(),
                users[0],
            )
            for user in users:
                await connection.execute(
                    "INSERT INTO group_members (group_id, user_id, joined_at)"
                    " VALUES ($1, $2, now())",
                    group,
                    user,
                )
        finally:
            await connection.close()

        output = await apply_migrations(url)
        assert f"group/{COUNTS_MIGRATION}" in output, output

        connection = await asyncpg.connect(url)
        try:
            assert await connection.fetchval("SELECT member_count FROM groups") == 2
            await connection.execute("DELETE FROM group_members WHERE user_id = $1", users[1])
            assert await connection.fetchval("SELECT member_count FROM groups") == 1
        finally:
            await connection.close()


async def sign_up(client, name: str) -> tuple[str, dict[str, str]]:
    body = {"email": f"{name}@example.test", "username": name, "password": "long password"}
    _, response = await client.post("/api/auth/register", json=body)
    assert response.status == 201, response.text
    user_id = response.json["id"]
    _, response = await client.post(
        "/api/auth/login", json={"username": name, "password": "long password"}
    )
    return user_id, {"Authorization": f"Bearer {response.json['accessToken']}"}


async def test_an_older_sqlite_file_gets_its_counts_at_start(tmp_path):
    path = tmp_path / "chat.sqlite3"
    settings = load_settings(DATABASE_URL=f"sqlite://{path}", **TEST_SETTINGS)
    client = create_app(settings).asgi_client
    _, owner = await sign_up(client, "lite_owner")
    member, _ = await sign_up(client, "lite_member")
    newcomer, _ = await sign_up(client, "lite_newcomer")
    _, created = await client.post(
        "/api/group", json={"title": "old", "users": [member]}, headers=owner
    )
    group = created.json["id"]
    with contextlib.closing(sqlite3.connect(path)) as old:  # as a file from before the counts
        old.executescript(
            "DROP TRIGGER group_member_added; DROP TRIGGER group_member_removed;"
            "ALTER TABLE groups DROP COLUMN member_count;"
        )

    client = create_app(settings).asgi_client
    _, listed = await client.get("/api/group", headers=owner)
    assert [g["memberCount"] for g in listed.json["groups"]] == [2]
    _, added = await client.post(
        f"/api/group/{group}/recipient", json={"recipientId": newcomer}, headers=owner
    )
    assert added.status == 201, added.text
    _, listed = await client.get("/api/group", headers=owner)
    assert [g["memberCount"] for g in listed.json["groups"]] == [3]
