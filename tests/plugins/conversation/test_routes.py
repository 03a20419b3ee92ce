"""Conversation routes on the real database: the pair rules, privacy, messages, events."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from tests.problem import assert_problem


@pytest.fixture
def events(app):
    published = []
    app.ctx.events.subscribe(published.append)
    return published


async def open_conversation(client, me, other, message=None):
    body = {"recipientId": other.id}
    if message is not None:
        body["message"] = message
    _, response = await client.post("/api/conversation", json=body, headers=me.headers)
    return response


async def test_create_returns_existing_pair_from_either_side(client, register, events):
    alice, bob = await register("alice"), await register("bob")
    first = await open_conversation(client, alice, bob, message="hi bob")
    assert first.status == 201
    conversation = first.json
    assert conversation["recipient"]["id"] == bob.id
    assert {u["id"] for u in conversation["users"]} == {alice.id, bob.id}
    assert conversation["lastMessage"]["content"] == "hi bob"

    creates = [e for e in events if e.name == "conversation.create"]
    assert {next(iter(e.recipients)) for e in creates} == {UUID(alice.id), UUID(bob.id)}
    # Each side is told about the conversation from its own point of view.
    for event in creates:
        assert event.data["recipient"]["id"] != str(next(iter(event.recipients)))
    message_events = [e for e in events if e.name == "conversation.message.create"]
    assert message_events[0].recipients == frozenset({UUID(alice.id), UUID(bob.id)})

    events.clear()
    again = await open_conversation(client, bob, alice)
    assert again.status == 200
    assert again.json["id"] == conversation["id"]
    assert again.json["recipient"]["id"] == alice.id
    assert [e.name for e in events] == []


async def test_create_refuses_self_unknown_and_bad_bodies(client, register):
    alice = await register("alice")
    response = await open_conversation(client, alice, alice)
    assert_problem(response, 422, "self_conversation")
    _, response = await client.post(
        "/api/conversation", json={"recipientId": str(uuid.uuid4())}, headers=alice.headers
    )
    assert_problem(response, 404, "user_not_found")
    for body in ({}, {"recipientId": "nope"}, {"recipientId": alice.id, "message": " "}):
        _, response = await client.post("/api/conversation", json=body, headers=alice.headers)
        assert_problem(response, 422)


async def test_list_newest_activity_first(client, register):
    me, bob, carol = await register("me"), await register("bob"), await register("carol")
    with_bob = (await open_conversation(client, me, bob)).json
    with_carol = (await open_conversation(client, me, carol)).json
    _, response = await client.post(
        f"/api/conversation/{with_bob['id']}/message", json={"content": "ping"}, headers=bob.headers
    )
    assert response.status == 201
    _, response = await client.get("/api/conversation", headers=me.headers)
    listed = response.json["conversations"]
    assert [c["id"] for c in listed] == [with_bob["id"], with_carol["id"]]
    assert listed[0]["lastMessage"]["content"] == "ping"
    assert listed[1]["lastMessage"] is None
    _, response = await client.get("/api/conversation", headers=carol.headers)
    assert [c["id"] for c in response.json["conversations"]] == [with_carol["id"]]


async def test_outsiders_get_404(client, register):
    alice, bob, eve = await register("alice"), await register("bob"), await register("eve")
    cid = (await open_conversation(client, alice, bob, message="secret")).json["id"]
    mid = (await client.get(f"/api/conversation/{cid}/message", headers=alice.headers))[1].json[
        "messages"
    ][0]["id"]
    for method, path, body in [
        ("get", f"/api/conversation/{cid}", None),
        ("get", f"/api/conversation/{cid}/message", None),
        ("post", f"/api/conversation/{cid}/message", {"content": "hi"}),
        ("patch", f"/api/conversation/{cid}/message/{mid}", {"content": "x"}),
        ("delete", f"/api/conversation/{cid}/message/{mid}", None),
    ]:
        kwargs = {"headers": eve.headers}
        if body is not None:
            kwargs["json"] = body
        _, response = await client.request(method, path, **kwargs)
        assert_problem(response, 404, "conversation_not_found")
    _, response = await client.get("/api/conversation/123", headers=alice.headers)
    assert_problem(response, 422)


async def test_messages_edit_delete_by_author_only(client, register, events):
    alice, bob = await register("alice"), await register("bob")
    cid = (await open_conversation(client, alice, bob)).json["id"]
    path = f"/api/conversation/{cid}/message"
    client_id = str(uuid.uuid4())
    _, sent = await client.post(
        path, json={"content": "hello", "clientId": client_id}, headers=alice.headers
    )
    assert sent.status == 201
    _, retry = await client.post(
        path, json={"content": "hello", "clientId": client_id}, headers=alice.headers
    )
    assert retry.status == 200
    assert retry.json["id"] == sent.json["id"]
    mid = sent.json["id"]

    _, response = await client.patch(f"{path}/{mid}", json={"content": "x"}, headers=bob.headers)
    assert_problem(response, 403, "not_author")
    _, response = await client.delete(f"{path}/{mid}", headers=bob.headers)
    assert_problem(response, 403, "not_author")

    _, response = await client.patch(
        f"{path}/{mid}", json={"content": "hello!"}, headers=alice.headers
    )
    assert response.json["content"] == "hello!"
    _, response = await client.delete(f"{path}/{mid}", headers=alice.headers)
    assert response.json["deleted"] is True
    assert response.json["content"] is None
    names = [e.name for e in events if e.name.startswith("conversation.message")]
    assert names == [
        "conversation.message.create",
        "conversation.message.edit",
        "conversation.message.delete",
    ]
    cursors = [e.cursor for e in events if e.name.startswith("conversation.message")]
    assert cursors == sorted(cursors)

    _, response = await client.get(path, headers=bob.headers)
    assert response.json["messages"][0]["deleted"] is True
    assert response.json["nextCursor"] is None


async def test_history_pages_and_bad_messages(client, register):
    alice, bob = await register("alice"), await register("bob")
    cid = (await open_conversation(client, alice, bob)).json["id"]
    path = f"/api/conversation/{cid}/message"

    _, response = await client.get(path, headers=bob.headers)
    assert response.json == {"messages": [], "nextCursor": None}

    sent = []
    for n, (sender, text) in enumerate([(alice, "hi"), (bob, "hey"), (alice, "how are you")]):
        _, response = await client.post(path, json={"content": text}, headers=sender.headers)
        assert response.status == 201, n
        sent.append(response.json["id"])

    _, response = await client.get(path, params={"limit": 2}, headers=bob.headers)
    assert [m["id"] for m in response.json["messages"]] == [sent[2], sent[1]]
    assert response.json["nextCursor"] == sent[1]
    _, response = await client.get(
        path, params={"limit": 2, "before": sent[1]}, headers=bob.headers
    )
    assert [m["id"] for m in response.json["messages"]] == [sent[0]]
    assert response.json["nextCursor"] is None
    _, response = await client.get(path, params={"before": sent[0]}, headers=alice.headers)
    assert response.json == {"messages": [], "nextCursor": None}

    for body in ({"content": "   "}, {"content": "x" * 4001}, {}, {"content": "ok", "clientId": 1}):
        _, response = await client.post(path, json=body, headers=alice.headers)
        assert_problem(response, 422)
    _, response = await client.patch(f"{path}/abc", json={"content": "x"}, headers=alice.headers)
    assert_problem(response, 422)
    _, response = await client.patch(
        f"{path}/999999999", json={"content": "x"}, headers=alice.headers
    )
    assert_problem(response, 404, "message_not_found")
    _, response = await client.get(path, params={"limit": 101}, headers=alice.headers)
    assert_problem(response, 422)
