"""User search and the current user's profile."""

from __future__ import annotations

import uuid

from sanic_chat.storage import DIALECTS
from sanic_chat_user.service import search_statement
from tests.problem import assert_problem


async def test_search_is_a_case_insensitive_prefix_match_exact_first(client, register):
    stem = f"zq{uuid.uuid4().hex[:6]}"
    exact = await register(stem)  # username like "<stem>_<serial>"
    longer = await register(f"{stem}_x")
    searcher = await register("searcher")

    _, response = await client.get(
        "/api/user/search", params={"username": stem.upper()}, headers=searcher.headers
    )
    assert response.status == 200
    names = [u["username"] for u in response.json["users"]]
    assert set(names) == {exact.username, longer.username}
    assert names == sorted(names)
    for user in response.json["users"]:
        assert set(user) == {"id", "username", "createdAt"}  # never another user's email

    _, response = await client.get(
        "/api/user/search", params={"username": exact.username}, headers=searcher.headers
    )
    assert response.json["users"][0]["username"] == exact.username

    _, response = await client.get(
        "/api/user/search", params={"username": stem, "limit": 1}, headers=searcher.headers
    )
    assert len(response.json["users"]) == 1

    _, response = await client.get(
        "/api/user/search", params={"username": f"{stem}%"}, headers=searcher.headers
    )
    assert response.json["users"] == []  # LIKE wildcards are matched literally
    _, response = await client.get(
        "/api/user/search", params={"username": f"{stem}_"}, headers=searcher.headers
    )
    assert {u["username"] for u in response.json["users"]} == {exact.username, longer.username}
    _, response = await client.get(
        "/api/user/search", params={"username": f"{stem}."}, headers=searcher.headers
    )
    assert response.json["users"] == []


async def test_search_reads_only_the_index_entries_it_returns(db):
    """Even in a generic plan, where the prefix is unknown (asyncpg prepares statements):
    `LIKE $1` there walked the whole username index for prefixes late in the alphabet."""
    async with db.acquire() as connection:
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        # The test table is small enough to be read whole whatever the indexes: compare the
        # plans that use one, as PostgreSQL does for a real table.
        await connection.execute("SET enable_seqscan = off")
        await connection.execute(
            f"PREPARE search AS {search_statement('users', DIALECTS['postgres'])}"
        )
        plan = "\n".join(
            row[0] for row in await connection.fetch("EXPLAIN EXECUTE search('ys', 'yt', 20)")
        )
        await connection.execute("DEALLOCATE search; RESET plan_cache_mode; RESET enable_seqscan")
    assert "idx_users_username_c" in plan
    assert "Sort" not in plan  # the index gives the order: no reading every match to sort it


async def test_search_validation_and_auth(client, register):
    searcher = await register("searcher")
    for params, field in [
        ({}, "query.username"),
        ({"username": "a", "limit": 0}, "query.limit"),
        ({"username": "a", "limit": 51}, "query.limit"),
        ({"username": "a", "limit": "many"}, "query.limit"),
        # A blank value is not a number, nor the default (Sanic's args would drop it).
        ({"username": "a", "limit": ""}, "query.limit"),
        ({"username": "x" * 33}, "query.username"),
        ({"username": "al\x00"}, "query.username"),
    ]:
        _, response = await client.get("/api/user/search", params=params, headers=searcher.headers)
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["field"] == field
    _, response = await client.get("/api/user/search", params={"username": "a"})
    assert_problem(response, 401, "missing_token")


async def test_me_returns_my_profile_with_email(client, register):
    me = await register("me")
    _, response = await client.get("/api/user/me", headers=me.headers)
    assert response.status == 200
    assert response.json["id"] == me.id
    assert response.json["email"] == me.email
