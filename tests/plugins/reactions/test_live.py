"""Reactions live: WebSocket commands, events to every member, resume, and a plugin's own kind
of room, on a real server over PostgreSQL."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from tests.core import test_room_kinds
from tests.core.test_room_kinds import new_channel
from tests.live import connect, new_group, post_message, register

# The room-kinds test's server, whose plugin adds a third kind of room with tables of its own.
channel_tables = test_room_kinds.channel_tables
server = test_room_kinds.server


def reaction_url(room_path: str, message_id: int, emoji: str) -> str:
    return f"{room_path}/message/{message_id}/reactions/{quote(emoji, safe='')}"


async def test_commands_reach_every_member_once(server, http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    group = await new_group(http, alice, bob)
    message = await post_message(http, alice, group, "react to me")
    alice_ws, bob_ws, eve_ws = [await connect(server, u["token"]) for u in (alice, bob, eve)]
    data = {"groupId": group, "messageId": message["id"], "emoji": "🔥"}

    ack = await bob_ws.command("reaction.add", data, ref="r1")
    assert ack["type"] == "ack", ack
    assert ack["data"] == {
        "messageId": message["id"],
        "reactions": [{"emoji": "🔥", "count": 1, "me": True}],
    }
    for member in (alice_ws, bob_ws):
        event = await member.next_of("group.message.reaction")
        assert int(event["cursor"]) > message["id"]
        assert event["data"] == {
            "groupId": group,
            "messageId": message["id"],
            "userId": bob["id"],
            "emoji": "🔥",
            "action": "add",
            "reactions": [{"emoji": "🔥", "count": 1}],
        }
    await eve_ws.nothing_of("group.message.reaction")

    again = await bob_ws.command("reaction.add", data, ref="r2")
    assert again["data"] == ack["data"]
    await alice_ws.nothing_of("group.message.reaction")  # nothing changed, nothing sent

    removed = await alice_ws.command("reaction.remove", data, ref="r3")
    assert removed["data"]["reactions"] == [{"emoji": "🔥", "count": 1, "me": False}]
    removed = await bob_ws.command("reaction.remove", data, ref="r4")
    assert removed["data"]["reactions"] == []
    event = await alice_ws.next_of("group.message.reaction")
    assert (event["data"]["action"], event["data"]["reactions"]) == ("remove", [])

    outsider = await eve_ws.command("reaction.add", data, ref="x1")
    assert outsider["error"]["status"] == 404
    assert outsider["error"]["code"] == "group_not_found"
    bad = await bob_ws.command("reaction.add", {**data, "emoji": "fire"}, ref="x2")
    assert bad["error"]["status"] == 422
    assert bad["error"]["errors"][0]["field"] == "data.emoji"
    two_rooms = await bob_ws.command("reaction.add", {**data, "conversationId": group}, ref="x3")
    assert two_rooms["error"]["code"] == "validation_failed"
    for client in (alice_ws, bob_ws, eve_ws):
        await client.ws.close()


async def test_a_device_that_resumes_gets_the_reactions_it_missed(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    room = f"/api/group/{group}"
    alice_ws = await connect(server, alice["token"])
    message = await post_message(http, bob, group, "while you were away")
    cursor = (await alice_ws.next_of("group.message.create"))["cursor"]
    await alice_ws.ws.close()

    for emoji in ("👀", "✅"):
        added = await http.put(reaction_url(room, message["id"], emoji), headers=bob["headers"])
        assert added.status_code == 201, added.text
    back = await connect(server, alice["token"], since=cursor)
    # The message's latest state, once: its reactions changed, not its content.
    changed = await back.next_of("group.message.edit")
    assert changed["data"]["id"] == message["id"]
    assert changed["data"]["content"] == "while you were away"
    assert changed["data"]["editedAt"] is None
    assert changed["data"]["reactions"] == [
        {"emoji": "👀", "count": 1, "me": False},
        {"emoji": "✅", "count": 1, "me": False},
    ]
    await back.nothing_of("group.message.edit", "group.message.reaction")
    await back.ws.close()


async def test_a_plugin_s_kind_of_room_has_reactions_too(server, http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    channel = await new_channel(http, alice, bob)
    room = f"/api/channel/{channel}"
    sent = await http.post(f"{room}/message", json={"content": "hi"}, headers=alice["headers"])
    message = sent.json()
    alice_ws = await connect(server, alice["token"])

    added = await http.put(reaction_url(room, message["id"], "👋"), headers=bob["headers"])
    assert added.status_code == 201, added.text
    event = await alice_ws.next_of("channel.message.reaction")
    assert event["data"]["channelId"] == channel
    assert event["data"]["reactions"] == [{"emoji": "👋", "count": 1}]

    data = {"channelId": channel, "messageId": message["id"], "emoji": ":wave:"}
    ack = await alice_ws.command("reaction.add", data, ref="c1")
    assert ack["data"]["reactions"] == [
        {"emoji": "👋", "count": 1, "me": False},
        {"emoji": ":wave:", "count": 1, "me": True},
    ]
    outsider = await http.put(reaction_url(room, message["id"], "👋"), headers=eve["headers"])
    assert outsider.status_code == 404
    assert outsider.json()["code"] == "channel_not_found"
    await alice_ws.ws.close()


async def test_racing_reactions_are_counted_one_after_the_other(server, http, db):
    """Devices racing to add one reaction store it once; users racing are each counted, and
    the events' counts follow their cursors; the summary pages read stays their sum."""
    users = [await register(http, f"racer{n}") for n in range(4)]
    group = await new_group(http, users[0], *users[1:])
    message = await post_message(http, users[0], group, "race")
    url = reaction_url(f"/api/group/{group}", message["id"], "🏁")
    watcher = await connect(server, users[0]["token"])

    same_user = await asyncio.gather(
        *(http.put(url, headers=users[1]["headers"]) for _ in range(4))
    )
    assert sorted(r.status_code for r in same_user) == [200, 200, 200, 201]
    others = await asyncio.gather(*(http.put(url, headers=u["headers"]) for u in users[2:]))
    assert [r.status_code for r in others] == [201, 201]

    events = [await watcher.next_of("group.message.reaction") for _ in range(3)]
    assert [e["data"]["reactions"] for e in events] == [
        [{"emoji": "🏁", "count": n}] for n in (1, 2, 3)
    ]
    cursors = [int(e["cursor"]) for e in events]
    assert cursors == sorted(cursors)
    await watcher.nothing_of("group.message.reaction")
    await watcher.ws.close()

    # Taking back and adding at once, each user on one emoji or another.
    other = reaction_url(f"/api/group/{group}", message["id"], "🎯")
    await asyncio.gather(
        *(http.delete(url, headers=u["headers"]) for u in users[1:3]),
        *(http.put(other, headers=u["headers"]) for u in users),
    )
    page = await http.get(f"/api/group/{group}/message", headers=users[0]["headers"])
    (shown,) = [m["reactions"] for m in page.json()["messages"] if m["id"] == message["id"]]
    stored = await db.fetch(
        "SELECT emoji, COUNT(*) AS count FROM message_reactions WHERE message_id = $1"
        " GROUP BY emoji ORDER BY MIN(id)",
        message["id"],
    )
    assert [(r["emoji"], r["count"]) for r in shown] == [("🏁", 1), ("🎯", 4)]
    assert [(r["emoji"], r["count"]) for r in shown] == [(r["emoji"], r["count"]) for r in stored]
