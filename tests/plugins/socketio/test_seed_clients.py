"""The seed's Socket.IO clients against a live server, through the seed's own flows.

The client is the real `socket.io-client` 4.x from npm, run by Node (`client.mjs`); the REST
calls are the ones the seed's clients make. The plugin is installed the way any third-party
plugin is: a distribution declaring a `sanic_chat` entry point.
"""

from __future__ import annotations

import httpx
import pytest

from tests.live import live_server, new_group, post_message, register
from tests.plugins.socketio.seed_client import seed_clients


@pytest.fixture(scope="module")
def socketio_env(server_env, redis_url) -> dict[str, str]:
    # The plugin comes through its entry point, as in an installation with the extra.
    return {**server_env, "REDIS_URL": redis_url}


@pytest.fixture(scope="module")
def server(socketio_env, tmp_path_factory):
    with live_server(socketio_env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
async def clients():
    async with seed_clients() as running:
        yield running


async def test_a_group_lives_its_life_on_every_members_sockets(server, http, clients):
    owner, bob, carol, dave = [await register(http, name) for name in ("own", "bob", "car", "dav")]
    # The seed's README (`auth: {token}`) and the seed's server (`token` header), and the rest.
    owner_phone = await clients.connect(server.http, owner["token"], via="auth")
    owner_laptop = await clients.connect(server.http, owner["token"], via="header")
    bob_socket = await clients.connect(server.http, bob["token"], via="bearer")
    carol_socket = await clients.connect(server.http, carol["token"], via="query")
    dave_socket = await clients.connect(server.http, dave["token"], via="auth")
    members = [owner_phone, owner_laptop, bob_socket, carol_socket]

    group_id = await new_group(http, owner, bob, carol)
    for socket in members:
        group = await socket.event("onGroupCreate")
        assert group["id"] == group_id
        assert group["owner"]["id"] == owner["id"]
        assert {user["id"] for user in group["users"]} == {owner["id"], bob["id"], carol["id"]}
        assert "email" not in group["owner"]
    await dave_socket.nothing_of("onGroupCreate")

    sent = await post_message(http, bob, group_id, "hello")
    for socket in members:
        payload = await socket.event("onGroupMessageCreate")
        assert payload["message"]["id"] == sent["id"]
        assert payload["message"]["content"] == "hello"
        assert payload["message"]["author"]["id"] == bob["id"]
        assert payload["group"]["id"] == group_id
        assert payload["group"]["lastMessageSent"]["id"] == sent["id"]

    url = f"/api/group/{group_id}/message/{sent['id']}"
    response = await http.patch(url, json={"content": "hello!"}, headers=bob["headers"])
    assert response.status_code == 200, response.text
    for socket in members:
        payload = await socket.event("onGroupMessageEdit")
        assert (payload["group"]["id"], payload["message"]["content"]) == (group_id, "hello!")

    response = await http.delete(url, headers=bob["headers"])
    assert response.status_code == 200, response.text
    for socket in members:
        payload = await socket.event("onGroupMessageDelete")
        assert payload["message"]["id"] == sent["id"]
        assert payload["message"]["deleted"] is True

    response = await http.patch(
        f"/api/group/{group_id}", json={"title": "renamed"}, headers=owner["headers"]
    )
    assert response.status_code == 200, response.text
    for socket in members:
        assert (await socket.event("onGroupUpdate"))["title"] == "renamed"

    response = await http.post(
        f"/api/group/{group_id}/recipient",
        json={"recipientId": dave["id"]},
        headers=owner["headers"],
    )
    assert response.status_code == 201, response.text
    added = await dave_socket.event("onGroupUserAdd")
    assert dave["id"] in {user["id"] for user in added["users"]}
    for socket in members:
        group = await socket.event("onGroupReceivedNewUser")
        assert dave["id"] in {user["id"] for user in group["users"]}
        await socket.nothing_of("onGroupUserAdd", within=0)
    members.append(dave_socket)

    response = await http.request(
        "DELETE",
        f"/api/group/{group_id}/recipient",
        json={"recipientId": carol["id"]},
        headers=owner["headers"],
    )
    assert response.status_code == 200, response.text
    removed = await carol_socket.event("onGroupUserRemoved")
    assert carol["id"] not in {user["id"] for user in removed["users"]}
    members.remove(carol_socket)
    for socket in members:
        group = await socket.event("onGroupReceivedRemoved")
        assert carol["id"] not in {user["id"] for user in group["users"]}

    response = await http.patch(
        f"/api/group/{group_id}/owner", json={"newOwnerId": bob["id"]}, headers=owner["headers"]
    )
    assert response.status_code == 200, response.text
    for socket in members:
        assert (await socket.event("onGroupUpdateOwner"))["owner"]["id"] == bob["id"]

    response = await http.delete(f"/api/group/{group_id}/leave", headers=owner["headers"])
    assert response.status_code == 200, response.text
    for socket in members:
        group = await socket.event("onGroupParticipantLeft")
        assert owner["id"] not in {user["id"] for user in group["users"]}

    # After all that, the one who was removed heard nothing more of the group.
    await carol_socket.nothing_of("onGroupParticipantLeft", within=0)
    await carol_socket.nothing_of("onGroupUpdateOwner", within=0)


async def test_a_conversation_reaches_both_participants(server, http, clients):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    alice_socket = await clients.connect(server.http, alice["token"])
    bob_socket = await clients.connect(server.http, bob["token"])

    response = await http.post(
        "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
    )
    assert response.status_code == 201, response.text
    conversation_id = response.json()["id"]
    created = await bob_socket.event("onConversationCreate")
    # The seed's recipient sees the other participant as the creator.
    assert created["id"] == conversation_id
    assert (created["creator"]["id"], created["recipient"]["id"]) == (alice["id"], bob["id"])
    assert (await alice_socket.event("onConversationCreate"))["id"] == conversation_id

    base = f"/api/conversation/{conversation_id}/message"
    response = await http.post(base, json={"content": "hi bob"}, headers=alice["headers"])
    assert response.status_code == 201, response.text
    message_id = response.json()["id"]
    for socket in (alice_socket, bob_socket):
        payload = await socket.event("onConverMessageCreate")
        assert payload["conversation"]["id"] == conversation_id
        assert (payload["message"]["id"], payload["message"]["content"]) == (message_id, "hi bob")

    response = await http.patch(
        f"{base}/{message_id}", json={"content": "hi, bob"}, headers=alice["headers"]
    )
    assert response.status_code == 200, response.text
    for socket in (alice_socket, bob_socket):
        assert (await socket.event("onMessageEdit"))["message"]["content"] == "hi, bob"

    response = await http.delete(f"{base}/{message_id}", headers=alice["headers"])
    assert response.status_code == 200, response.text
    for socket in (alice_socket, bob_socket):
        payload = await socket.event("onMessageDelete")
        assert payload["message"]["id"] == message_id
        assert payload["conversation"]["id"] == conversation_id


async def test_a_bad_or_missing_token_is_a_connect_error(server, http, clients):
    for token, via, code in [
        ("not-a-jwt", "auth", "invalid_token"),
        ("not-a-jwt", "header", "invalid_token"),
        (None, "none", "missing_token"),
    ]:
        socket = await clients.open(server.http, token, via=via)
        event, args = await socket.next_of("connect", "connect_error")
        assert event == "connect_error"
        assert args[0]["data"]["status"] == 401
        assert args[0]["data"]["code"] == code, args
    # The server is still there for everyone else.
    alice = await register(http, "alice")
    await clients.connect(server.http, alice["token"])


async def test_group_join_and_leave_are_acknowledged_for_members_only(server, http, clients):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group_id = await new_group(http, alice)
    alice_socket = await clients.connect(server.http, alice["token"])
    bob_socket = await clients.connect(server.http, bob["token"])
    assert await alice_socket.emit("onGroupJoin", {"id": group_id}) == {"id": group_id}
    assert await alice_socket.emit("onGroupLeave", {"id": group_id}) == {"id": group_id}
    refused = await bob_socket.emit("onGroupJoin", {"id": group_id})
    assert refused["error"]["status"] == 404
    malformed = await bob_socket.emit("onGroupJoin", {"id": "nope"})
    assert malformed["error"]["status"] == 400


async def test_the_client_upgrades_to_websocket_and_websocket_alone_works(server, http, clients):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    upgraded = await clients.connect(server.http, alice["token"])
    assert await upgraded.event("upgrade") == "websocket"
    websocket_only = await clients.connect(server.http, bob["token"], transports=["websocket"])
    group_id = await new_group(http, alice, bob)
    for socket in (upgraded, websocket_only):
        assert (await socket.event("onGroupCreate"))["id"] == group_id


async def test_sockets_on_another_server_get_the_events(server, socketio_env, tmp_path, clients):
    """Two servers joined through Redis: no sticky sessions with the websocket transport."""
    with live_server(socketio_env, cwd=tmp_path) as two:
        async with httpx.AsyncClient(base_url=server.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            bob_socket = await clients.connect(two.http, bob["token"], transports=["websocket"])
            group_id = await new_group(http, alice, bob)
            assert (await bob_socket.event("onGroupCreate"))["id"] == group_id
            sent = await post_message(http, alice, group_id, "across")
            payload = await bob_socket.event("onGroupMessageCreate")
            assert payload["message"]["id"] == sent["id"]
