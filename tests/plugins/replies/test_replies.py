"""Replies through REST and WebSocket on a live server: sending one, what views show, threads,
counts (under concurrent replies and deletes too), resume, and every kind of room alike.

The server also has the public-channels plugin of tests/core/test_room_kinds.py installed, to
show replies on a kind of room the core does not know.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from datetime import datetime, timezone

import pytest

from sanic_chat import hookimpl
from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from sanic_chat_replies.service import forget_reply
from tests.core.test_room_kinds import channel_tables, install_channels, new_channel  # noqa: F401
from tests.live import connect, live_server, new_group, register
from tests.problem import assert_problem
from tests.settings import TEST_SETTINGS


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory, channel_tables):  # noqa: F811
    root = tmp_path_factory.mktemp("plugin")
    install_channels(root)
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    with live_server({**server_env, "PYTHONPATH": path}, cwd=root) as running:
        yield running


async def send(http, account, room_path, content, status=201, **extra):
    response = await http.post(
        f"{room_path}/message", json={"content": content, **extra}, headers=account["headers"]
    )
    assert response.status_code == status, response.text
    return response.json()


async def history(http, account, room_path, **query):
    response = await http.get(f"{room_path}/message", params=query, headers=account["headers"])
    assert response.status_code == 200, response.text
    return response.json()


async def thread(http, account, room_path, message_id, **query):
    return await http.get(
        f"{room_path}/message/{message_id}/replies", params=query, headers=account["headers"]
    )


def by_id(page: dict) -> dict[int, dict]:
    return {message["id"]: message for message in page["messages"]}


async def test_a_reply_over_rest_and_websocket(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    room = f"/api/group/{await new_group(http, alice, bob)}"
    parent = await send(http, alice, room, "x" * 150)
    alice_ws, bob_ws = await connect(server, alice["token"]), await connect(server, bob["token"])
    assert parent["replyTo"] is None and parent["replyCount"] == 0

    reply = await send(http, bob, room, "over REST", replyTo=parent["id"])
    summary = {"id": parent["id"], "authorName": alice["username"], "snippet": "x" * 100}
    assert reply["replyTo"] == summary and reply["replyCount"] == 0
    created = await alice_ws.next_of("group.message.create")
    assert created["data"] == reply
    # The count is pushed: the parent again, as an edit at a later cursor, content unchanged.
    counted = await alice_ws.next_of("group.message.edit")
    assert counted["data"] == {**parent, "replyCount": 1}
    assert int(counted["cursor"]) > int(created["cursor"])

    data = {"groupId": room.rsplit("/", 1)[1], "content": "over the socket"}
    ack = await bob_ws.command("group.message.send", {**data, "replyTo": parent["id"]}, ref="r")
    assert ack["type"] == "ack" and ack["data"]["replyTo"] == summary
    assert (await alice_ws.next_of("group.message.edit"))["data"]["replyCount"] == 2

    page = by_id(await history(http, bob, room))
    assert page[parent["id"]]["replyCount"] == 2
    assert page[reply["id"]]["replyTo"] == summary
    assert page[ack["data"]["id"]]["replyTo"] == summary
    for client in (alice_ws, bob_ws):
        await client.ws.close()


async def test_a_reply_must_answer_a_live_message_of_its_room(server, http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    room = f"/api/group/{await new_group(http, alice, bob)}"
    elsewhere = f"/api/group/{await new_group(http, eve)}"
    foreign = await send(http, eve, elsewhere, "another room")
    parent = await send(http, alice, room, "parent")

    for target in (foreign["id"], parent["id"] + 10_000):
        refused = await http.post(
            f"{room}/message", json={"content": "no", "replyTo": target}, headers=bob["headers"]
        )
        problem = assert_problem(refused, 422, "reply_target_not_found")
        assert [e["field"] for e in problem["errors"]] == ["body.replyTo"]
    # A non-member learns nothing about the messages: the room is missing, as for any send.
    outsider = await http.post(
        f"{room}/message", json={"content": "no", "replyTo": parent["id"]}, headers=eve["headers"]
    )
    assert_problem(outsider, 404, "group_not_found")
    invalid = await http.post(
        f"{room}/message", json={"content": "no", "replyTo": "first"}, headers=bob["headers"]
    )
    assert [e["field"] for e in assert_problem(invalid, 422)["errors"]] == ["body.replyTo"]

    bob_ws = await connect(server, bob["token"])
    data = {"groupId": room.rsplit("/", 1)[1], "content": "no", "replyTo": foreign["id"]}
    error = (await bob_ws.command("group.message.send", data, ref=1))["error"]
    assert error["code"] == "reply_target_not_found"
    assert [e["field"] for e in error["errors"]] == ["data.replyTo"]
    wrong = await bob_ws.command("group.message.send", {**data, "replyTo": 0}, ref=2)
    assert [e["field"] for e in wrong["error"]["errors"]] == ["data.replyTo"]
    await bob_ws.ws.close()

    await http.delete(f"{room}/message/{parent['id']}", headers=alice["headers"])
    late = await http.post(
        f"{room}/message", json={"content": "no", "replyTo": parent["id"]}, headers=bob["headers"]
    )
    assert_problem(late, 409, "message_deleted")


async def test_deletes_uncount_replies_and_tombstones_keep_their_replies(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    room = f"/api/group/{await new_group(http, alice, bob)}"
    parent = await send(http, alice, room, "parent")
    first = await send(http, bob, room, "first", replyTo=parent["id"])
    second = await send(http, bob, room, "second", replyTo=parent["id"])
    alice_ws = await connect(server, alice["token"])

    gone = await http.delete(f"{room}/message/{first['id']}", headers=bob["headers"])
    assert gone.json()["deleted"] is True and gone.json()["replyTo"]["id"] == parent["id"]
    assert (await alice_ws.next_of("group.message.delete"))["data"]["id"] == first["id"]
    assert (await alice_ws.next_of("group.message.edit"))["data"]["replyCount"] == 1
    # Deleting it again changes nothing, and counts nothing.
    await http.delete(f"{room}/message/{first['id']}", headers=bob["headers"])
    await alice_ws.nothing_of("group.message.edit")

    # The parent deleted: its replies still point at its tombstone, with no snippet.
    await http.delete(f"{room}/message/{parent['id']}", headers=alice["headers"])
    page = by_id(await history(http, alice, room))
    assert page[second["id"]]["replyTo"] == {
        "id": parent["id"],
        "authorName": alice["username"],
        "snippet": None,
    }
    assert page[parent["id"]]["replyCount"] == 1 and page[parent["id"]]["deleted"] is True
    replies = (await thread(http, alice, room, parent["id"])).json()
    assert [(m["id"], m["deleted"]) for m in replies["messages"]] == [
        (second["id"], False),
        (first["id"], True),
    ]
    await alice_ws.ws.close()


async def test_a_thread_pages_like_history(http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    room = f"/api/group/{await new_group(http, alice, bob)}"
    parent = await send(http, alice, room, "parent")
    await send(http, alice, room, "not a reply")
    replies = [await send(http, bob, room, f"reply {n}", replyTo=parent["id"]) for n in range(5)]
    ids = [reply["id"] for reply in replies]

    first = (await thread(http, bob, room, parent["id"], limit=2)).json()
    assert [m["id"] for m in first["messages"]] == [ids[4], ids[3]]
    assert first["nextCursor"] == ids[3]
    rest = (await thread(http, bob, room, parent["id"], before=first["nextCursor"])).json()
    assert [m["id"] for m in rest["messages"]] == [ids[2], ids[1], ids[0]]
    assert rest["nextCursor"] is None
    after = (await thread(http, bob, room, parent["id"], after=ids[1], limit=2)).json()
    assert [m["id"] for m in after["messages"]] == [ids[3], ids[2]]
    assert after["messages"][0]["replyTo"]["id"] == parent["id"]
    empty = (await thread(http, bob, room, replies[0]["id"])).json()
    assert empty == {"messages": [], "nextCursor": None}

    assert_problem(await thread(http, eve, room, parent["id"]), 404, "group_not_found")
    elsewhere = f"/api/group/{await new_group(http, eve)}"
    assert_problem(await thread(http, eve, elsewhere, parent["id"]), 404, "message_not_found")
    assert_problem(await thread(http, bob, room, parent["id"], limit=0), 422)
    spec = (await http.get("/api/docs/openapi.json")).json()
    operation = spec["paths"]["/api/group/{group_id}/message/{message_id}/replies"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GroupMessages"
    }
    out = spec["components"]["schemas"]["GroupMessageOut"]["properties"]
    assert {"replyTo", "replyCount"} <= out.keys()
    assert "replyTo" in spec["components"]["schemas"]["SendMessage"]["properties"]


async def test_a_resumed_client_is_replayed_the_new_count(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    room = f"/api/group/{await new_group(http, alice, bob)}"
    alice_ws = await connect(server, alice["token"])
    parent = await send(http, alice, room, "parent")
    cursor = (await alice_ws.next_of("group.message.create"))["cursor"]
    await alice_ws.ws.close()

    reply = await send(http, bob, room, "while you were away", replyTo=parent["id"])
    back = await connect(server, alice["token"], since=cursor)
    replayed = [await back.next_of("group.message.create", "group.message.edit") for _ in range(2)]
    assert [(f["type"], f["data"]["id"]) for f in replayed] == [
        ("group.message.create", reply["id"]),
        ("group.message.edit", parent["id"]),
    ]
    assert replayed[0]["data"]["replyTo"]["id"] == parent["id"]
    assert replayed[1]["data"]["replyCount"] == 1
    await back.ws.close()


async def test_counts_stay_right_under_concurrent_replies_and_deletes(server, http):
    owner = await register(http, "owner")
    members = [await register(http, f"m{n}") for n in range(12)]
    room_id = await new_group(http, owner, *members)
    room = f"/api/group/{room_id}"
    parent = await send(http, owner, room, "count us")
    sockets = [await connect(server, member["token"]) for member in members]

    async def replies(socket: int, numbers: range) -> list[tuple[dict, dict]]:
        """Replies sent one after the other on one socket (a socket reads one answer at a
        time), while the other sockets send theirs."""
        sent = []
        for n in numbers:
            data = {"groupId": room_id, "content": f"reply {n}", "replyTo": parent["id"]}
            data["clientId"] = str(uuid.uuid4())
            ack = await sockets[socket].command("group.message.send", data, ref=n)
            assert ack["type"] == "ack", ack
            sent.append((ack["data"], members[socket]))
        return sent

    batches = await asyncio.gather(*(replies(s, range(s * 3, s * 3 + 3)) for s in range(12)))
    sent = [reply for batch in batches for reply in batch]
    assert by_id(await history(http, owner, room, limit=100))[parent["id"]]["replyCount"] == 36

    # Half of them deleted, each by two clients at once (its author and the group's owner),
    # while more replies arrive.
    doomed = sent[::2]
    deletes = [
        http.delete(f"{room}/message/{message['id']}", headers=account["headers"])
        for message, author in doomed
        for account in (author, owner)
    ]
    results = await asyncio.gather(*deletes, *(replies(s, range(36 + s, 37 + s)) for s in range(6)))
    assert all(r.status_code == 200 for r in results[: len(deletes)])
    expected = 36 - len(doomed) + 6
    page = by_id(await history(http, owner, room, limit=100))
    assert page[parent["id"]]["replyCount"] == expected
    live = (await thread(http, owner, room, parent["id"], limit=100)).json()["messages"]
    assert sum(not m["deleted"] for m in live) == expected and len(live) == 42
    await asyncio.gather(*(hang_up(client) for client in sockets))


async def hang_up(client) -> None:
    """Close after reading what is left: a client whose queue of unread frames is full stops
    reading, and would wait out the close timeout for the server's closing frame."""
    with contextlib.suppress(asyncio.TimeoutError):
        while True:
            await client.frame(timeout=0.2)
    await client.ws.close()


async def test_replies_in_a_conversation(http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    opened = await http.post(
        "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
    )
    room = f"/api/conversation/{opened.json()['id']}"
    parent = await send(http, alice, room, "a question")
    reply = await send(http, bob, room, "an answer", replyTo=parent["id"])
    assert reply["replyTo"]["authorName"] == alice["username"]
    listed = (await http.get("/api/conversation", headers=alice["headers"])).json()
    assert listed["conversations"][0]["lastMessage"]["replyTo"]["id"] == parent["id"]
    replies = (await thread(http, alice, room, parent["id"])).json()
    assert [m["id"] for m in replies["messages"]] == [reply["id"]]
    assert by_id(await history(http, bob, room))[parent["id"]]["replyCount"] == 1


async def test_replies_in_a_kind_of_room_a_plugin_adds(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    room = f"/api/channel/{await new_channel(http, alice, bob)}"
    bob_ws = await connect(server, bob["token"])
    parent = await send(http, alice, room, "channel news")
    data = {"channelId": room.rsplit("/", 1)[1], "content": "noted", "replyTo": parent["id"]}
    ack = await bob_ws.command("channel.message.send", data, ref="c")
    assert ack["data"]["replyTo"]["id"] == parent["id"]
    assert (await bob_ws.next_of("channel.message.edit"))["data"]["replyCount"] == 1
    replies = (await thread(http, alice, room, parent["id"])).json()
    assert [m["id"] for m in replies["messages"]] == [ack["data"]["id"]]
    spec = (await http.get("/api/docs/openapi.json")).json()
    assert "replyCount" in spec["components"]["schemas"]["ChannelMessageOut"]["properties"]
    await bob_ws.ws.close()


async def test_disabled_it_leaves_no_trace(database_url):
    settings = load_settings(DATABASE_URL=database_url, PLUGINS_DISABLED="replies", **TEST_SETTINGS)
    app = create_app(settings)
    room = app.ctx.rooms["group"].messages.payloads
    assert not {"reply_to", "reply_count"} & room.out.model_fields.keys()
    assert "reply_to" not in room.send.model_fields and "reply_to" not in room.command.model_fields
    assert not any(route.path.endswith("/replies") for route in app.router.routes)
    _, spec = await app.asgi_client.get("/api/docs/openapi.json")
    schemas = spec.json["components"]["schemas"]
    assert "replyTo" not in schemas["GroupMessageOut"]["properties"]
    assert "replyTo" not in schemas["SendMessage"]["properties"]


GONE = "deleted before it was counted"


class DeletedInTheGap:
    """Deletes a reply after it is committed and before the replies plugin links it, as a
    delete racing the send can: the delete finds no counted reply to uncount."""

    @hookimpl(tryfirst=True)
    async def chat_message_stored(self, message):
        if message.content == GONE:
            await type(message).filter(id=message.id).update(deleted_at=datetime.now(timezone.utc))
            assert await forget_reply(message.id) is None


@pytest.fixture
def plugins():
    return [DeletedInTheGap()]


async def test_a_reply_deleted_before_it_is_counted_is_never_counted(client, register):
    alice = await register("alice")
    _, created = await client.post("/api/group", json={"title": "gap"}, headers=alice.headers)
    room = f"/api/group/{created.json['id']}"
    _, parent = await client.post(
        f"{room}/message", json={"content": "parent"}, headers=alice.headers
    )
    for content in (GONE, "kept"):
        _, sent = await client.post(
            f"{room}/message",
            json={"content": content, "replyTo": parent.json["id"]},
            headers=alice.headers,
        )
        assert sent.status == 201, sent.text

    _, page = await client.get(f"{room}/message", headers=alice.headers)
    counts = {message["id"]: message["replyCount"] for message in page.json["messages"]}
    assert counts[parent.json["id"]] == 1  # "kept" only
    _, replies = await client.get(
        f"{room}/message/{parent.json['id']}/replies", headers=alice.headers
    )
    assert [(m["content"], m["deleted"]) for m in replies.json["messages"]] == [
        ("kept", False),
        (None, True),
    ]


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """The statements the app runs on PostgreSQL from now on."""
    from tortoise.backends.asyncpg.client import AsyncpgDBClient

    run: list[str] = []
    for method in ("execute_query", "execute_query_dict"):
        original = getattr(AsyncpgDBClient, method)

        async def recording(self, query, values=None, original=original):
            run.append(query)
            return await original(self, query, values)

        monkeypatch.setattr(AsyncpgDBClient, method, recording)
    return run


async def test_a_page_reads_its_threads_in_one_statement(client, register, statements):
    """What each message answers, its author and its reply count: one statement per page."""
    alice = await register("alice")
    _, created = await client.post("/api/group", json={"title": "one"}, headers=alice.headers)
    room = f"/api/group/{created.json['id']}"
    parents = []
    for content in ("first parent", "second parent"):
        _, sent = await client.post(
            f"{room}/message", json={"content": content}, headers=alice.headers
        )
        parents.append(sent.json)
    for parent in parents:
        _, sent = await client.post(
            f"{room}/message",
            json={"content": "answer", "replyTo": parent["id"]},
            headers=alice.headers,
        )
        assert sent.status == 201, sent.text
    statements.clear()

    _, page = await client.get(f"{room}/message", headers=alice.headers)
    shown = [(m["replyTo"] or {}).get("snippet") for m in page.json["messages"]]
    assert shown == ["second parent", "first parent", None, None]
    assert [m["replyCount"] for m in page.json["messages"]] == [0, 0, 1, 1]
    threads = [query for query in statements if "message_replies" in query]
    assert len(threads) == 1
    # The messages are read twice: the page, and the messages answered within that statement
    # (the test client starts the app for each request, which reads the newest cursor).
    reads = [query for query in statements if "group_messages" in query and "MAX(" not in query]
    assert len(reads) == 2 and threads[0] in reads, reads


async def room_with_a_reply(client, account) -> tuple[str, dict, dict]:
    """A new group of `account`'s with a message and a reply to it: the room's path, the
    message answered and the reply, as sent."""
    _, created = await client.post("/api/group", json={"title": "t"}, headers=account.headers)
    room = f"/api/group/{created.json['id']}"
    _, parent = await client.post(f"{room}/message", json={"content": "p"}, headers=account.headers)
    body = {"content": "answer", "replyTo": parent.json["id"]}
    _, reply = await client.post(f"{room}/message", json=body, headers=account.headers)
    assert reply.status == 201, reply.text
    return room, parent.json, reply.json


async def test_a_page_of_messages_that_neither_answer_nor_were_answered_reads_no_threads(
    client, register, statements
):
    """A message's stored send fields say whether it is a reply, and counting a reply
    republishes the message answered by this plugin's name (`amended_by`): a page of neither
    needs no statement of this plugin."""
    alice = await register("alice")
    room, parent, reply = await room_with_a_reply(client, alice)
    for n in range(3):
        await client.post(f"{room}/message", json={"content": f"plain {n}"}, headers=alice.headers)
    statements.clear()

    _, page = await client.get(f"{room}/message?limit=3", headers=alice.headers)
    assert [m["content"] for m in page.json["messages"]] == ["plain 2", "plain 1", "plain 0"]
    assert [m["replyTo"] for m in page.json["messages"]] == [None] * 3
    assert not [query for query in statements if "message_replies" in query], statements

    # Nor do changes by others than this plugin: an edit, a reaction.
    newest = page.json["messages"][0]["id"]
    _, edited = await client.patch(
        f"{room}/message/{newest}", json={"content": "edited"}, headers=alice.headers
    )
    assert edited.status == 200, edited.text
    _, reacted = await client.put(
        f"{room}/message/{page.json['messages'][1]['id']}/reactions/👍", headers=alice.headers
    )
    assert reacted.status == 201, reacted.text
    statements.clear()
    _, again = await client.get(f"{room}/message?limit=3", headers=alice.headers)
    assert again.json["messages"][0]["content"] == "edited"
    assert again.json["messages"][1]["reactions"][0]["count"] == 1
    assert not [query for query in statements if "message_replies" in query], statements

    _, page = await client.get(
        f"{room}/message?before={page.json['nextCursor']}", headers=alice.headers
    )
    shown = {m["id"]: (m["replyTo"], m["replyCount"]) for m in page.json["messages"]}
    assert shown == {reply["id"]: (reply["replyTo"], 0), parent["id"]: (None, 1)}
    assert len([query for query in statements if "message_replies" in query]) == 1


async def test_a_reply_stored_before_send_fields_were_kept_still_shows_what_it_answers(
    client, register, db
):
    """A database upgraded from a version that did not keep send fields holds replies whose
    `sent_fields` is NULL: nothing is known of them, so they are asked about."""
    alice = await register("alice")
    room, parent, reply = await room_with_a_reply(client, alice)
    stored = await db.fetchval(
        "UPDATE group_messages SET sent_fields = NULL WHERE id = $1 RETURNING seq = id",
        reply["id"],
    )
    assert stored  # unchanged since it was stored: only its NULL send fields get it asked about

    _, page = await client.get(f"{room}/message?limit=1", headers=alice.headers)
    assert page.json["messages"][0]["replyTo"] == {
        "id": parent["id"],
        "authorName": alice.username,
        "snippet": "p",
    }


async def test_replies_on_the_embedded_sqlite(tmp_path):
    settings = load_settings(DATABASE_URL=f"sqlite://{tmp_path}/chat.sqlite3", **TEST_SETTINGS)
    client = create_app(settings).asgi_client
    body = {"email": "lite@example.test", "username": "lite_user", "password": "long password"}
    _, response = await client.post("/api/auth/register", json=body)
    assert response.status == 201, response.text
    _, response = await client.post(
        "/api/auth/login", json={"username": "lite_user", "password": "long password"}
    )
    headers = {"Authorization": f"Bearer {response.json['accessToken']}"}
    _, created = await client.post("/api/group", json={"title": "lite"}, headers=headers)
    room = f"/api/group/{created.json['id']}"
    _, parent = await client.post(f"{room}/message", json={"content": "parent"}, headers=headers)
    _, reply = await client.post(
        f"{room}/message", json={"content": "answer", "replyTo": parent.json["id"]}, headers=headers
    )
    assert reply.status == 201, reply.text
    assert reply.json["replyTo"]["snippet"] == "parent"

    _, page = await client.get(f"{room}/message", headers=headers)
    counts = {message["id"]: message["replyCount"] for message in page.json["messages"]}
    assert counts[parent.json["id"]] == 1
    assert page.json["messages"][0]["replyTo"] == reply.json["replyTo"]
    # Once the parent is deleted, the reply still points at it, without its text.
    await client.delete(f"{room}/message/{parent.json['id']}", headers=headers)
    _, page = await client.get(f"{room}/message", headers=headers)
    assert page.json["messages"][0]["replyTo"] == {**reply.json["replyTo"], "snippet": None}
    _, replies = await client.get(f"{room}/message/{parent.json['id']}/replies", headers=headers)
    assert [message["content"] for message in replies.json["messages"]] == ["answer"]
