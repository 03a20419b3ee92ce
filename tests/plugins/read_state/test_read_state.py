"""Read positions and unread counts, through REST and WebSocket on a live server.

A member's position only moves forward; room lists and `ready` carry `unreadCount` and
`lastReadMessageId`; the reader's devices hear `<kind>.read.update`, the other members
`<kind>.receipt.update` where receipts are on (1:1 conversations by default, not groups).
"""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.live import connect, new_group, post_message, register


async def groups_of(http: httpx.AsyncClient, account) -> dict[str, dict]:
    response = await http.get("/api/group", headers=account["headers"])
    assert response.status_code == 200, response.text
    return {group["id"]: group for group in response.json()["groups"]}


async def mark(http: httpx.AsyncClient, account, path: str, message_id) -> httpx.Response:
    return await http.post(path, json={"messageId": message_id}, headers=account["headers"])


async def test_counts_follow_sends_marks_and_deletes(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    read = f"/api/group/{group}/read"
    sent = [await post_message(http, alice, group, f"m{n}") for n in range(3)]

    bobs = (await groups_of(http, bob))[group]
    assert (bobs["unreadCount"], bobs["lastReadMessageId"]) == (3, None)
    # Sending marks your own room read up to your message.
    alices = (await groups_of(http, alice))[group]
    assert (alices["unreadCount"], alices["lastReadMessageId"]) == (0, sent[-1]["id"])

    first = await mark(http, bob, read, sent[0]["id"])
    assert first.status_code == 200, first.text
    assert first.json()["groupId"] == group
    assert (first.json()["unreadCount"], first.json()["lastReadMessageId"]) == (2, sent[0]["id"])
    assert int(first.json()["asOf"]) >= sent[-1]["id"]

    # Forward only: an older message is accepted and changes nothing.
    further = await mark(http, bob, read, sent[1]["id"])
    assert further.json()["unreadCount"] == 1
    older = await mark(http, bob, read, sent[0]["id"])
    assert older.status_code == 200
    assert (older.json()["unreadCount"], older.json()["lastReadMessageId"]) == (1, sent[1]["id"])

    # A deleted message is no longer waiting; one already read leaves the count alone.
    deleted = await http.delete(
        f"/api/group/{group}/message/{sent[2]['id']}", headers=alice["headers"]
    )
    assert deleted.status_code == 200
    await http.delete(f"/api/group/{group}/message/{sent[0]['id']}", headers=alice["headers"])
    assert (await groups_of(http, bob))[group]["unreadCount"] == 0

    more = await post_message(http, alice, group, "again")
    assert (await groups_of(http, bob))[group]["unreadCount"] == 1
    mine = await post_message(http, bob, group, "read it all")
    bobs = (await groups_of(http, bob))[group]
    assert (bobs["unreadCount"], bobs["lastReadMessageId"]) == (0, mine["id"])
    assert mine["id"] > more["id"]
    assert (await groups_of(http, alice))[group]["unreadCount"] == 1


async def test_conversation_receipts_and_the_reader_s_other_devices(server, http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    opened = await http.post(
        "/api/conversation",
        json={"recipientId": bob["id"], "message": "hello bob"},
        headers=alice["headers"],
    )
    conversation = opened.json()["id"]
    listed = await http.get("/api/conversation", headers=bob["headers"])
    (summary,) = listed.json()["conversations"]
    assert (summary["unreadCount"], summary["lastReadMessageId"]) == (1, None)
    message_id = summary["lastMessage"]["id"]

    alice_ws = await connect(server, alice["token"])
    eve_ws = await connect(server, eve["token"])
    phone, laptop = await connect(server, bob["token"]), await connect(server, bob["token"])
    data = {"conversationId": conversation, "messageId": message_id}
    ack = await phone.command("conversation.read.mark", data, ref="r1")
    assert ack["type"] == "ack", ack
    assert (ack["data"]["unreadCount"], ack["data"]["lastReadMessageId"]) == (0, message_id)

    update = await laptop.next_of("conversation.read.update")
    assert update["data"] == ack["data"]
    assert "cursor" not in update  # not a message event: no place in the cursor order
    receipt = await alice_ws.next_of("conversation.receipt.update")
    assert receipt["data"] == {
        "conversationId": conversation,
        "userId": bob["id"],
        "messageId": message_id,
    }
    await eve_ws.nothing_of("conversation.receipt.update", "conversation.read.update")
    await alice_ws.nothing_of("conversation.read.update")

    # Marking the same message again moves nothing, so nobody is told.
    again = await phone.command("conversation.read.mark", data, ref="r2")
    assert again["data"]["lastReadMessageId"] == message_id
    await laptop.nothing_of("conversation.read.update")
    await alice_ws.nothing_of("conversation.receipt.update")
    for client in (alice_ws, eve_ws, phone, laptop):
        await client.ws.close()


async def test_groups_send_no_receipts_by_default(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    message = await post_message(http, alice, group, "news")
    alice_ws = await connect(server, alice["token"])
    phone, laptop = await connect(server, bob["token"]), await connect(server, bob["token"])
    ack = await phone.command("group.read.mark", {"groupId": group, "messageId": message["id"]}, 1)
    assert ack["type"] == "ack" and ack["data"]["unreadCount"] == 0
    assert (await laptop.next_of("group.read.update"))["data"]["lastReadMessageId"] == message["id"]
    await alice_ws.nothing_of("group.receipt.update")
    for client in (alice_ws, phone, laptop):
        await client.ws.close()


async def test_outsiders_and_other_rooms_messages_are_refused(server, http):
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    group = await new_group(http, alice, bob)
    elsewhere = await new_group(http, eve)
    message = await post_message(http, alice, group, "members only")
    other = await post_message(http, eve, elsewhere, "not in that group")

    outsider = await mark(http, eve, f"/api/group/{group}/read", message["id"])
    assert outsider.status_code == 404
    assert outsider.json()["code"] == "group_not_found"
    missing = await mark(http, eve, f"/api/group/{uuid.uuid4()}/read", message["id"])
    assert missing.json()["code"] == "group_not_found"
    foreign = await mark(http, bob, f"/api/group/{group}/read", other["id"])
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "message_not_found"
    for bad in (0, -1, "x", 2**63, None):
        refused = await mark(http, bob, f"/api/group/{group}/read", bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["errors"][0]["field"] == "body.messageId"
    not_an_id = await mark(http, bob, "/api/group/not-a-uuid/read", message["id"])
    assert not_an_id.status_code == 422

    eve_ws = await connect(server, eve["token"])
    data = {"groupId": group, "messageId": message["id"]}
    refused = await eve_ws.command("group.read.mark", data, ref="x")
    assert refused["error"]["status"] == 404
    assert refused["error"]["code"] == "group_not_found"
    # Counts leak nothing about rooms you are not in: eve's lists and ready hold her rooms only.
    assert set(await groups_of(http, eve)) == {elsewhere}
    assert [room["groupId"] for room in eve_ws.ready["data"]["readState"]["rooms"]] == [elsewhere]
    await eve_ws.ws.close()


async def test_ready_and_resume_bring_a_device_up_to_date(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    seen = await post_message(http, alice, group, "seen")

    phone = await connect(server, bob["token"])
    state = phone.ready["data"]["readState"]
    assert state["rooms"] == [
        {"type": "group", "groupId": group, "unreadCount": 1, "lastReadMessageId": None}
    ]
    assert int(state["asOf"]) >= seen["id"]
    await phone.ws.close()
    cursor = str(seen["id"])

    # While the phone is away: two more messages, and the laptop reads up to the first.
    first = await post_message(http, alice, group, "missed 1")
    await post_message(http, alice, group, "missed 2")
    laptop = await connect(server, bob["token"])
    ack = await laptop.command("group.read.mark", {"groupId": group, "messageId": first["id"]}, 1)
    assert ack["data"]["unreadCount"] == 1

    back = await connect(server, bob["token"], since=cursor)
    state = back.ready["data"]["readState"]
    (room,) = state["rooms"]
    assert (room["unreadCount"], room["lastReadMessageId"]) == (1, first["id"])
    # The replayed messages are older than `asOf`: the count already holds them.
    replayed = [await back.next_of("group.message.create") for _ in range(2)]
    assert all(int(frame["cursor"]) <= int(state["asOf"]) for frame in replayed)
    # A message after `asOf` is one the count does not hold yet.
    later = await post_message(http, alice, group, "live")
    live = await back.next_of("group.message.create")
    assert live["data"]["id"] == later["id"] and int(live["cursor"]) > int(state["asOf"])
    for client in (laptop, back):
        await client.ws.close()


async def test_concurrent_sends_and_marks_are_each_counted_once(server, http):
    alice, bob, carol = [await register(http, name) for name in ("alice", "bob", "carol")]
    group = await new_group(http, alice, bob, carol)
    first = await post_message(http, alice, group, "start")

    async def send(author, n):
        return await post_message(http, author, group, f"{author['username']} {n}")

    async def marks():
        for _ in range(10):
            latest = await http.get(
                f"/api/group/{group}/message", params={"limit": 1}, headers=bob["headers"]
            )
            newest = latest.json()["messages"][0]["id"]
            await mark(http, bob, f"/api/group/{group}/read", newest)

    await asyncio.gather(
        *(send(alice, n) for n in range(15)), *(send(carol, n) for n in range(15)), marks()
    )
    bobs = (await groups_of(http, bob))[group]
    history = await http.get(
        f"/api/group/{group}/message", params={"limit": 100}, headers=bob["headers"]
    )
    after = [m for m in history.json()["messages"] if m["id"] > (bobs["lastReadMessageId"] or 0)]
    assert bobs["lastReadMessageId"] is None or bobs["lastReadMessageId"] >= first["id"]
    assert bobs["unreadCount"] == len(after)
    alices = (await groups_of(http, alice))[group]
    after_alice = [
        m
        for m in history.json()["messages"]
        if m["id"] > alices["lastReadMessageId"] and m["author"]["id"] != alice["id"]
    ]
    assert alices["unreadCount"] == len(after_alice)


async def test_one_statement_of_many_authors_moves_each_author_s_position(server, http, db):
    """A batch of sends, or a bulk import, is one statement and fires the counters once: each
    author's position moves to their own newest message of it, with the count after it."""
    alice, bob, carol = [await register(http, name) for name in ("alice", "bob", "carol")]
    group = await new_group(http, alice, bob, carol)
    authors = [alice, carol, alice, carol, carol]
    async with db.acquire() as connection:
        ids = await connection.fetchval(
            "WITH stored AS ("
            "  INSERT INTO group_messages (id, seq, group_id, author_id, content, created_at)"
            "  SELECT n, n, $1, author, 'imported', now() FROM ("
            "    SELECT nextval('chat_message_seq') AS n, author"
            "    FROM unnest($2::uuid[]) WITH ORDINALITY AS a(author, position)"
            "    ORDER BY position) AS numbered"
            "  RETURNING id)"
            " SELECT array_agg(id ORDER BY id) FROM stored",
            uuid.UUID(group),
            [uuid.UUID(account["id"]) for account in authors],
        )
    assert len(ids) == len(authors)
    alices, bobs, carols = [(await groups_of(http, a))[group] for a in (alice, bob, carol)]
    # Alice wrote the third message: carol's two after it are hers to read.
    assert (alices["lastReadMessageId"], alices["unreadCount"]) == (ids[2], 2)
    assert (carols["lastReadMessageId"], carols["unreadCount"]) == (ids[4], 0)
    assert (bobs["lastReadMessageId"], bobs["unreadCount"]) == (None, 5)
