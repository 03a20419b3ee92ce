"""Reactions over REST on the real database: idempotence, counts, order, rules and events."""

from __future__ import annotations

import json
from urllib.parse import quote
from uuid import UUID

import pytest

from tests.problem import assert_problem


@pytest.fixture
def events(app):
    """Every event the app publishes during the test, in order."""
    published = []
    app.ctx.events.subscribe(published.append)
    return published


def reactions_of(events):
    return [event for event in events if event.name.endswith(".message.reaction")]


async def new_group(client, owner, *members) -> str:
    body = {"title": "team", "users": [m.id for m in members]}
    _, response = await client.post("/api/group", json=body, headers=owner.headers)
    assert response.status == 201, response.text
    return response.json["id"]


async def send(client, account, room_path, content="hello") -> dict:
    _, response = await client.post(
        f"{room_path}/message", json={"content": content}, headers=account.headers
    )
    assert response.status == 201, response.text
    return response.json


def reaction_path(room_path: str, message_id, emoji: str) -> str:
    return f"{room_path}/message/{message_id}/reactions/{quote(emoji, safe='')}"


async def react(client, account, room_path, message_id, emoji, method="put"):
    call = getattr(client, method)
    _, response = await call(reaction_path(room_path, message_id, emoji), headers=account.headers)
    return response


async def seq_of(db, message_id: int) -> int:
    return await db.fetchval("SELECT seq FROM group_messages WHERE id = $1", message_id)


async def test_a_reaction_is_added_once_and_counted_per_emoji_in_order(
    client, register, events, db
):
    alice, bob, carol = await register("alice"), await register("bob"), await register("carol")
    room = f"/api/group/{await new_group(client, alice, bob, carol)}"
    message = await send(client, alice, room)

    added = await react(client, bob, room, message["id"], "👍")
    assert added.status == 201, added.text
    assert added.json == {
        "messageId": message["id"],
        "reactions": [{"emoji": "👍", "count": 1, "me": True}],
    }
    cursor = await seq_of(db, message["id"])
    assert cursor > message["id"]  # a reaction is a change of the message

    again = await react(client, bob, room, message["id"], "👍")
    assert again.status == 200
    assert again.json == added.json
    assert await seq_of(db, message["id"]) == cursor  # nothing changed: no new cursor
    assert (
        await db.fetchval(
            "SELECT COUNT(*) FROM message_reactions WHERE message_id = $1", message["id"]
        )
        == 1
    )

    # `❤` and `❤️` are one emoji; order is by first use, `me` is the caller's.
    assert (await react(client, carol, room, message["id"], "❤")).status == 201
    assert (await react(client, alice, room, message["id"], ":party-parrot:")).status == 201
    assert (await react(client, alice, room, message["id"], "❤️")).status == 201
    mine = (await react(client, alice, room, message["id"], "👍")).json["reactions"]
    assert mine == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "❤️", "count": 2, "me": True},
        {"emoji": ":party-parrot:", "count": 1, "me": True},
    ]

    # Each change went to every member once, with the counts as of its cursor, without `me`.
    changes = reactions_of(events)
    assert [(e.data["userId"], e.data["emoji"], e.data["action"]) for e in changes] == [
        (bob.id, "👍", "add"),
        (carol.id, "❤️", "add"),
        (alice.id, ":party-parrot:", "add"),
        (alice.id, "❤️", "add"),
        (alice.id, "👍", "add"),
    ]
    first = changes[0]
    assert first.name == "group.message.reaction"
    assert first.recipients == frozenset(UUID(a.id) for a in (alice, bob, carol))
    assert first.cursor == cursor
    assert first.data == {
        "groupId": room.rsplit("/", 1)[1],
        "messageId": message["id"],
        "userId": bob.id,
        "emoji": "👍",
        "action": "add",
        "reactions": [{"emoji": "👍", "count": 1}],
    }
    assert changes[-1].data["reactions"] == [
        {"emoji": "👍", "count": 2},
        {"emoji": "❤️", "count": 2},
        {"emoji": ":party-parrot:", "count": 1},
    ]
    cursors = [e.cursor for e in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


async def test_a_reaction_is_taken_back_once(client, register, events, db):
    alice, bob = await register("alice"), await register("bob")
    room = f"/api/group/{await new_group(client, alice, bob)}"
    message = await send(client, alice, room)
    await react(client, bob, room, message["id"], "🎉")
    await react(client, alice, room, message["id"], "🎉")
    cursor = await seq_of(db, message["id"])

    removed = await react(client, bob, room, message["id"], "🎉", "delete")
    assert removed.status == 200, removed.text
    assert removed.json["reactions"] == [{"emoji": "🎉", "count": 1, "me": False}]
    assert await seq_of(db, message["id"]) > cursor
    last = reactions_of(events)[-1]
    assert (last.data["action"], last.data["userId"]) == ("remove", bob.id)
    assert last.data["reactions"] == [{"emoji": "🎉", "count": 1}]

    cursor = await seq_of(db, message["id"])
    again = await react(client, bob, room, message["id"], "🎉", "delete")
    assert again.status == 200
    assert again.json == removed.json
    assert await seq_of(db, message["id"]) == cursor
    assert len(reactions_of(events)) == 3  # the second removal published nothing

    await react(client, alice, room, message["id"], "🎉", "delete")
    gone = await react(client, alice, room, message["id"], "🎉", "delete")
    assert gone.json["reactions"] == []


async def test_anything_but_one_emoji_or_a_shortcode_is_422(client, register):
    alice = await register("alice")
    room = f"/api/group/{await new_group(client, alice)}"
    message = await send(client, alice, room)
    for emoji in ("a", "👍👍", ":Shout:", ":" + "x" * 33 + ":", "👍 ", "%F0%9F", "\u200d"):
        for method in ("put", "delete"):
            response = await react(client, alice, room, message["id"], emoji, method)
            body = assert_problem(response, 422, "validation_failed")
            assert body["errors"][0]["field"] == "path.emoji", emoji


async def test_a_tombstone_takes_no_reaction(client, register, events):
    alice, bob = await register("alice"), await register("bob")
    room = f"/api/group/{await new_group(client, alice, bob)}"
    message = await send(client, alice, room)
    await react(client, bob, room, message["id"], "👍")
    _, deleted = await client.delete(f"{room}/message/{message['id']}", headers=alice.headers)
    assert deleted.status == 200
    for method in ("put", "delete"):
        response = await react(client, bob, room, message["id"], "👍", method)
        assert_problem(response, 409, "message_deleted")
    assert len(reactions_of(events)) == 1


async def test_outsiders_and_other_rooms_messages_are_404(client, register, events):
    alice, bob, eve = await register("alice"), await register("bob"), await register("eve")
    room = f"/api/group/{await new_group(client, alice, bob)}"
    elsewhere = f"/api/group/{await new_group(client, eve)}"
    message = await send(client, alice, room)
    for method in ("put", "delete"):
        outsider = await react(client, eve, room, message["id"], "👍", method)
        assert_problem(outsider, 404, "group_not_found")
        # A message id of another room is no message of this one.
        wrong_room = await react(client, eve, elsewhere, message["id"], "👍", method)
        assert_problem(wrong_room, 404, "message_not_found")
        unknown = await react(client, alice, room, 2**62, "👍", method)
        assert_problem(unknown, 404, "message_not_found")
    _, anonymous = await client.put(reaction_path(room, message["id"], "👍"))
    assert_problem(anonymous, 401)
    assert reactions_of(events) == []


async def test_reactions_in_a_conversation(client, register, events):
    alice, bob = await register("alice"), await register("bob")
    _, opened = await client.post(
        "/api/conversation", json={"recipientId": bob.id}, headers=alice.headers
    )
    assert opened.status == 201, opened.text
    room = f"/api/conversation/{opened.json['id']}"
    message = await send(client, bob, room)

    added = await react(client, alice, room, message["id"], "😂")
    assert added.status == 201
    assert added.json["reactions"] == [{"emoji": "😂", "count": 1, "me": True}]
    (event,) = reactions_of(events)
    assert event.name == "conversation.message.reaction"
    assert event.data["conversationId"] == opened.json["id"]
    assert event.recipients == frozenset({UUID(alice.id), UUID(bob.id)})

    carol = await register("carol")
    assert_problem(
        await react(client, carol, room, message["id"], "😂"), 404, "conversation_not_found"
    )


async def test_every_message_view_carries_its_reactions(client, register, events):
    alice, bob = await register("alice"), await register("bob")
    group_id = await new_group(client, alice, bob)
    room = f"/api/group/{group_id}"
    first = await send(client, alice, room, "first")
    assert first["reactions"] == []  # new: nothing yet, and no query to say so
    second = await send(client, bob, room, "second")
    await react(client, bob, room, first["id"], "👍")
    await react(client, alice, room, first["id"], "👀")
    await react(client, alice, room, first["id"], "👍")

    # History: one page, each reader's own `me`.
    for reader, mine in ((alice, [True, True]), (bob, [True, False])):
        _, page = await client.get(f"{room}/message", headers=reader.headers)
        newest, oldest = page.json["messages"]
        assert newest["id"] == second["id"] and newest["reactions"] == []
        assert oldest["reactions"] == [
            {"emoji": "👍", "count": 2, "me": mine[0]},
            {"emoji": "👀", "count": 1, "me": mine[1]},
        ]

    # An edit goes to every member at once: counts without `me`.
    _, edited = await client.patch(
        f"{room}/message/{first['id']}", json={"content": "first!"}, headers=alice.headers
    )
    everyone = [{"emoji": "👍", "count": 2}, {"emoji": "👀", "count": 1}]
    assert edited.json["reactions"] == everyone
    (edit,) = [e for e in events if e.name == "group.message.edit"]
    assert edit.data["reactions"] == everyone

    # The room list's last message is the reader's.
    await react(client, alice, room, second["id"], "🙂")
    _, groups = await client.get("/api/group", headers=bob.headers)
    (listed,) = [g for g in groups.json["groups"] if g["id"] == group_id]
    assert listed["lastMessage"]["reactions"] == [{"emoji": "🙂", "count": 1, "me": False}]

    # A tombstone has none.
    _, deleted = await client.delete(f"{room}/message/{first['id']}", headers=alice.headers)
    assert deleted.json["reactions"] == []
    _, page = await client.get(f"{room}/message", headers=bob.headers)
    assert page.json["messages"][1]["reactions"] == []


async def test_a_page_reads_reactions_only_for_messages_this_plugin_amended(
    client, register, monkeypatch, db
):
    """Every reaction is an amendment of its message, recorded by name in its `amended_by`: a
    message no reaction ever amended has none, whatever else changed it, and a page of such
    messages asks nothing about reactions."""
    from tortoise.backends.asyncpg.client import AsyncpgDBClient

    from sanic_chat_reactions.models import Reaction

    alice, bob = await register("alice"), await register("bob")
    room = f"/api/group/{await new_group(client, alice, bob)}"
    first, second = await send(client, alice, room, "first"), await send(client, bob, room)
    asked: list[list] = []
    read = AsyncpgDBClient.execute_query

    async def recording(self, query, values=None):
        if Reaction._meta.db_table in query:
            asked.append(values)
        return await read(self, query, values)

    monkeypatch.setattr(AsyncpgDBClient, "execute_query", recording)
    _, page = await client.get(f"{room}/message", headers=alice.headers)
    assert [m["reactions"] for m in page.json["messages"]] == [[], []]
    assert asked == []

    await react(client, bob, room, first["id"], "👍")
    asked.clear()
    _, page = await client.get(f"{room}/message", headers=alice.headers)
    newest, oldest = page.json["messages"]
    assert newest["id"] == second["id"] and newest["reactions"] == []
    assert oldest["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    # One statement, about the one changed message: the reader, then the ids as one array.
    (values,) = asked
    assert values == [UUID(alice.id), [first["id"]]]

    # An edit changes the message, but adds no reaction.
    _, edited = await client.patch(
        f"{room}/message/{second['id']}", json={"content": "edited"}, headers=bob.headers
    )
    assert edited.status == 200, edited.text
    asked.clear()
    _, page = await client.get(f"{room}/message", headers=alice.headers)
    (values,) = asked
    assert values == [UUID(alice.id), [first["id"]]]

    # A message changed before amendments were recorded by name may have reactions: asked,
    # and summed from its reactions, as it has no summary.
    await db.execute("UPDATE group_messages SET amended_by = NULL WHERE id = $1", second["id"])
    asked.clear()
    _, page = await client.get(f"{room}/message", headers=alice.headers)
    summaries, sums = asked
    assert sorted(summaries[1]) == sorted([first["id"], second["id"]])
    assert sums == [UUID(alice.id), [second["id"]]]


async def test_a_message_reacted_to_before_summaries_were_kept_shows_its_reactions(
    client, register, db
):
    """Its reactions are summed when read, and its next change writes its summary."""
    alice, bob = await register("alice"), await register("bob")
    room = f"/api/group/{await new_group(client, alice, bob)}"
    message = await send(client, alice, room, "old")
    await react(client, bob, room, message["id"], "👍")
    await react(client, alice, room, message["id"], "🎉")
    await db.execute("DELETE FROM message_reaction_summaries WHERE message_id = $1", message["id"])

    _, page = await client.get(f"{room}/message", headers=alice.headers)
    assert page.json["messages"][0]["reactions"] == [
        {"emoji": "👍", "count": 1, "me": False},
        {"emoji": "🎉", "count": 1, "me": True},
    ]
    await react(client, alice, room, message["id"], "👍")
    summary = await db.fetchval(
        "SELECT counts FROM message_reaction_summaries WHERE message_id = $1", message["id"]
    )
    assert json.loads(summary) == [["👍", 2], ["🎉", 1]]
