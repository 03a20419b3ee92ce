"""Real-time delivery on a real single-worker server: who gets what, commands, resume."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import websockets

from tests.live import connect, live_server, new_group, post_message, register


async def test_events_reach_every_device_of_every_member_and_nobody_else(server, http):
    alice, bob, eve = (
        await register(http, "alice"),
        await register(http, "bob"),
        await register(http, "eve"),
    )
    alice_phone = await connect(server, alice["token"])
    alice_laptop = await connect(server, alice["token"])
    bob_phone = await connect(server, bob["token"])
    eve_phone = await connect(server, eve["token"])

    group_id = await new_group(http, alice, bob)
    for client in (alice_phone, alice_laptop, bob_phone):
        created = await client.next_of("group.create")
        assert created["data"]["id"] == group_id

    reply = await bob_phone.command(
        "group.message.send", {"groupId": group_id, "content": "hi all"}, ref="s1"
    )
    assert reply["type"] == "ack"
    message = reply["data"]
    assert message["content"] == "hi all"
    for client in (alice_phone, alice_laptop, bob_phone):
        event = await client.next_of("group.message.create")
        assert event["data"] == message
        assert event["cursor"] == str(message["id"])
    await eve_phone.nothing_of("group.create", "group.message.create")

    for client in (alice_phone, alice_laptop, bob_phone, eve_phone):
        await client.ws.close()


async def test_membership_changes_take_effect_at_once(server, http):
    owner, bob, carol = (
        await register(http, "owner"),
        await register(http, "bob"),
        await register(http, "carol"),
    )
    group_id = await new_group(http, owner, bob)
    bob_ws = await connect(server, bob["token"])
    carol_ws = await connect(server, carol["token"])

    response = await http.request(
        "DELETE",
        f"/api/group/{group_id}/recipient",
        json={"recipientId": bob["id"]},
        headers=owner["headers"],
    )
    assert response.status_code == 200
    removed = await bob_ws.next_of("group.user.remove")
    assert removed["data"]["user"]["id"] == bob["id"]

    response = await http.post(
        f"/api/group/{group_id}/recipient",
        json={"recipientId": carol["id"]},
        headers=owner["headers"],
    )
    assert (await carol_ws.next_of("group.user.add"))["data"]["groupId"] == group_id

    await post_message(http, owner, group_id, "after the change")
    assert (await carol_ws.next_of("group.message.create"))["data"]["content"] == (
        "after the change"
    )
    await bob_ws.nothing_of("group.message.create")
    await bob_ws.ws.close()
    await carol_ws.ws.close()


async def test_commands_follow_the_rest_rules(server, http):
    alice, bob, eve = (
        await register(http, "alice"),
        await register(http, "bob"),
        await register(http, "eve"),
    )
    group_id = await new_group(http, alice, bob)
    alice_ws = await connect(server, alice["token"])
    eve_ws = await connect(server, eve["token"])

    client_id = str(uuid.uuid4())
    data = {"groupId": group_id, "content": "once", "clientId": client_id}
    first = await alice_ws.command("group.message.send", data, ref="a")
    retry = await alice_ws.command("group.message.send", data, ref="b")
    assert first["type"] == retry["type"] == "ack"
    assert retry["data"]["id"] == first["data"]["id"]

    denied = await eve_ws.command(
        "group.message.send", {"groupId": group_id, "content": "let me in"}, ref="e"
    )
    assert denied["type"] == "error"
    assert denied["error"]["status"] == 404
    assert denied["error"]["code"] == "group_not_found"

    invalid = await alice_ws.command("group.message.send", {"groupId": group_id}, ref="v")
    assert invalid["error"]["code"] == "validation_failed"
    assert invalid["error"]["errors"][0]["field"] == "data.content"

    response = await http.post(
        "/api/conversation", json={"recipientId": bob["id"]}, headers=alice["headers"]
    )
    conversation_id = response.json()["id"]
    sent = await alice_ws.command(
        "conversation.message.send",
        {"conversationId": conversation_id, "content": "psst"},
        ref="c",
    )
    assert sent["type"] == "ack"
    assert sent["data"]["conversationId"] == conversation_id
    outsider = await eve_ws.command(
        "conversation.message.send",
        {"conversationId": conversation_id, "content": "hi"},
        ref="x",
    )
    assert outsider["error"]["code"] == "conversation_not_found"
    await alice_ws.ws.close()
    await eve_ws.ws.close()


async def test_typing_reaches_the_other_members_only(server, http):
    alice, bob, eve = (
        await register(http, "alice"),
        await register(http, "bob"),
        await register(http, "eve"),
    )
    group_id = await new_group(http, alice, bob)
    alice_ws, bob_ws, eve_ws = (
        await connect(server, alice["token"]),
        await connect(server, bob["token"]),
        await connect(server, eve["token"]),
    )
    assert (await alice_ws.command("typing", {"groupId": group_id}, ref="t"))["type"] == "ack"
    typing = await bob_ws.next_of("typing")
    assert typing["data"] == {"userId": alice["id"], "groupId": group_id}
    assert "cursor" not in typing
    await alice_ws.nothing_of("typing")
    await eve_ws.nothing_of("typing")

    refused = await eve_ws.command("typing", {"groupId": group_id}, ref="t2")
    assert refused["error"]["status"] == 404
    for client in (alice_ws, bob_ws, eve_ws):
        await client.ws.close()


async def test_presence_first_device_online_last_device_offline(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    await new_group(http, alice, bob)
    alice_ws = await connect(server, alice["token"])

    bob_phone = await connect(server, bob["token"])
    online = await alice_ws.next_of("presence")
    assert online["data"] == {"userId": bob["id"], "status": "online"}
    bob_laptop = await connect(server, bob["token"])
    await alice_ws.nothing_of("presence")  # a second device is not news

    await bob_phone.ws.close()
    await alice_ws.nothing_of("presence")
    await bob_laptop.ws.close()
    offline = await alice_ws.next_of("presence")
    assert offline["data"] == {"userId": bob["id"], "status": "offline"}
    await alice_ws.ws.close()


async def test_resume_replays_what_was_missed_then_goes_live(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group_id = await new_group(http, alice, bob)
    alice_ws = await connect(server, alice["token"])
    seen = await post_message(http, bob, group_id, "seen")
    cursor = (await alice_ws.next_of("group.message.create"))["cursor"]
    assert cursor == str(seen["id"])
    await alice_ws.ws.close()

    # While alice is away: two messages, an edit of one, the deletion of the one she saw.
    first = await post_message(http, bob, group_id, "missed 1")
    second = await post_message(http, bob, group_id, "missed 2")
    response = await http.patch(
        f"/api/group/{group_id}/message/{first['id']}",
        json={"content": "missed 1, edited"},
        headers=bob["headers"],
    )
    assert response.status_code == 200
    response = await http.delete(
        f"/api/group/{group_id}/message/{seen['id']}", headers=bob["headers"]
    )
    assert response.status_code == 200

    back = await connect(server, alice["token"], since=cursor)
    replay = [
        await back.next_of("group.message.create", "group.message.edit", "group.message.delete")
        for _ in range(3)
    ]
    # Each changed message once, at the position of its latest change, oldest first.
    assert [(f["type"], f["data"]["id"]) for f in replay] == [
        ("group.message.create", second["id"]),
        ("group.message.create", first["id"]),
        ("group.message.delete", seen["id"]),
    ]
    assert replay[1]["data"]["content"] == "missed 1, edited"
    cursors = [int(f["cursor"]) for f in replay]
    assert cursors == sorted(cursors)
    assert cursors[0] > int(cursor)

    live = await post_message(http, bob, group_id, "live again")
    assert (await back.next_of("group.message.create"))["data"]["id"] == live["id"]
    await back.nothing_of("group.message.create", "group.message.edit", "group.message.delete")
    await back.ws.close()


async def test_resume_while_messages_keep_arriving_has_no_gap_and_no_duplicate(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group_id = await new_group(http, alice, bob)
    alice_ws = await connect(server, alice["token"])
    first = await post_message(http, bob, group_id, "start")
    cursor = (await alice_ws.next_of("group.message.create"))["cursor"]
    await alice_ws.ws.close()

    async def keep_sending(count: int) -> list[int]:
        return [(await post_message(http, bob, group_id, f"m{n}"))["id"] for n in range(count)]

    before = await keep_sending(10)
    sender = asyncio.create_task(keep_sending(30))  # still sending during the replay
    back = await connect(server, alice["token"], since=cursor)
    during = await sender
    after = await keep_sending(5)

    expected = before + during + after
    received = []
    while len(received) < len(expected):
        frame = await back.next_of("group.message.create")
        received.append(frame["data"]["id"])
    assert received == expected  # every one, once, in order
    assert first["id"] not in received
    await back.nothing_of("group.message.create")
    await back.ws.close()


async def test_a_gap_too_large_is_said_explicitly(server_env, tmp_path_factory):
    env = {**server_env, "RESUME_MAX_EVENTS": "3"}
    with live_server(env, cwd=tmp_path_factory.mktemp("small")) as small:
        async with httpx.AsyncClient(base_url=small.http) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            group_id = await new_group(http, alice, bob)
            alice_ws = await connect(small, alice["token"])
            await post_message(http, bob, group_id, "seen")
            cursor = (await alice_ws.next_of("group.message.create"))["cursor"]
            await alice_ws.ws.close()
            for n in range(4):
                await post_message(http, bob, group_id, f"missed {n}")

            back = await connect(small, alice["token"], since=cursor)
            resync = await back.next_of("resync", "group.message.create")
            assert resync == {"type": "resync", "data": {"reason": "gap_too_large"}}
            # Live delivery goes on after telling the client to reload.
            live = await post_message(http, bob, group_id, "live")
            assert (await back.next_of("group.message.create"))["data"]["id"] == live["id"]
            await back.ws.close()


async def test_shutdown_closes_sockets_with_going_away(server_env, tmp_path_factory):
    with live_server(server_env, cwd=tmp_path_factory.mktemp("stopping")) as stopping:
        async with httpx.AsyncClient(base_url=stopping.http) as http:
            alice = await register(http, "alice")
        client = await connect(stopping, alice["token"])
        stopping.stop()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.frame(timeout=10)
    assert closed.value.rcvd.code == 1001
