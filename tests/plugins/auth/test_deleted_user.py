"""A still-valid access token whose user has been deleted (there is no route for that: the
tests delete the row). Writes that would refer to the user and WebSocket handshakes answer
401 / close 4401; reads find nothing, as for a member of nothing."""

from __future__ import annotations

from uuid import UUID

import httpx
import pytest
import websockets

from tests.live import live_server
from tests.live import register as live_register
from tests.problem import assert_problem


async def delete_user(db, account_id: str) -> None:
    await db.execute("DELETE FROM users WHERE id = $1", UUID(account_id))


async def test_creating_a_group_is_401(client, register, db):
    gone, other = await register("gone"), await register("other")
    await delete_user(db, gone.id)
    for body in ({"title": "t"}, {"title": "t", "users": [other.id], "message": "hi"}):
        _, response = await client.post("/api/group", json=body, headers=gone.headers)
        assert_problem(response, 401, "user_deleted")
    assert await db.fetchval("SELECT count(*) FROM groups WHERE owner_id = $1", UUID(gone.id)) == 0


async def test_opening_a_conversation_is_401(client, register, db):
    gone, other = await register("gone"), await register("other")
    await delete_user(db, gone.id)
    _, response = await client.post(
        "/api/conversation", json={"recipientId": other.id}, headers=gone.headers
    )
    assert_problem(response, 401, "user_deleted")
    # The other way round the recipient is what is missing: 404, as before.
    _, response = await client.post(
        "/api/conversation", json={"recipientId": gone.id}, headers=other.headers
    )
    assert_problem(response, 404, "user_not_found")


async def test_reads_find_nothing(client, register, db):
    gone = await register("gone")
    await delete_user(db, gone.id)
    _, response = await client.get("/api/group", headers=gone.headers)
    assert response.status == 200
    assert response.json == {"groups": []}


@pytest.fixture(scope="module")
def live(server_env, tmp_path_factory):
    with live_server(server_env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


async def test_the_websocket_handshake_closes_with_4401(live, db):
    async with httpx.AsyncClient(base_url=live.http) as http:
        gone = await live_register(http, "gone")
    await delete_user(db, gone["id"])
    url = str(httpx.URL(live.ws, params={"token": gone["token"]}))
    async with websockets.connect(url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4401
    assert "no longer exists" in closed.value.rcvd.reason
    assert gone["token"] not in live.log()
