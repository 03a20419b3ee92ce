"""The real-time hooks the group and conversation plugins answer for the hub."""

from __future__ import annotations

from contextlib import asynccontextmanager
from uuid import UUID

import pytest
from tortoise import Tortoise

from sanic_chat import NotFound
from sanic_chat.awaitables import await_all, first_answer
from sanic_chat.db import config_for


@asynccontextmanager
async def orm(app):
    """The ORM open in the test itself: the ASGI client closes it after each request, so
    open it once the requests are done."""
    await Tortoise.init(config=config_for(app.ctx.settings))
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def setup_rooms(client, register):
    alice, bob, carol, eve = [await register(n) for n in ("alice", "bob", "carol", "eve")]
    _, response = await client.post(
        "/api/group", json={"title": "g", "users": [bob.id]}, headers=alice.headers
    )
    group_id = response.json["id"]
    _, response = await client.post(
        "/api/conversation", json={"recipientId": carol.id}, headers=alice.headers
    )
    conversation_id = response.json["id"]
    return alice, bob, carol, eve, group_id, conversation_id


async def test_room_members_contacts_and_ready_data(app, client, register):
    alice, bob, carol, eve, group_id, conversation_id = await setup_rooms(client, register)
    async with orm(app):
        await check_room_hooks(app, alice, bob, carol, eve, group_id, conversation_id)


async def check_room_hooks(app, alice, bob, carol, eve, group_id, conversation_id):
    hook = app.ctx.plugins.hook
    uid = {a.username: UUID(a.id) for a in (alice, bob, carol, eve)}

    members = await first_answer(
        hook.chat_room_members(
            app=app, room_type="group", room_id=group_id, user_id=uid[bob.username]
        )
    )
    assert members == {uid[alice.username], uid[bob.username]}
    pair = await first_answer(
        hook.chat_room_members(
            app=app,
            room_type="conversation",
            room_id=conversation_id,
            user_id=uid[carol.username],
        )
    )
    assert pair == {uid[alice.username], uid[carol.username]}
    with pytest.raises(NotFound):
        await first_answer(
            hook.chat_room_members(
                app=app, room_type="group", room_id=group_id, user_id=uid[eve.username]
            )
        )
    assert (
        await first_answer(
            hook.chat_room_members(
                app=app, room_type="channel", room_id=group_id, user_id=uid[bob.username]
            )
        )
        is None
    )

    contacts = set().union(
        *await await_all(hook.chat_contacts(app=app, user_id=uid[alice.username]))
    )
    assert contacts - {uid[alice.username]} == {uid[bob.username], uid[carol.username]}

    ready = {}
    for part in await await_all(hook.chat_ready_data(app=app, user_id=uid[eve.username])):
        ready.update(part)
    assert ready["user"]["username"] == eve.username


async def test_changes_since_reports_each_message_once_at_its_latest_change(app, client, register):
    alice, bob, carol, _, group_id, conversation_id = await setup_rooms(client, register)
    path = f"/api/group/{group_id}/message"
    _, first = await client.post(path, json={"content": "one"}, headers=alice.headers)
    since = first.json["id"]
    _, second = await client.post(path, json={"content": "two"}, headers=bob.headers)
    await client.patch(f"{path}/{since}", json={"content": "one!"}, headers=alice.headers)
    _, private = await client.post(
        f"/api/conversation/{conversation_id}/message",
        json={"content": "psst"},
        headers=carol.headers,
    )

    async with orm(app):
        for_alice = await changes_for(app, alice, since)
        for_bob = await changes_for(app, bob, since)
    assert [(e.name, e.data["id"]) for e in for_alice] == [
        ("group.message.create", second.json["id"]),
        ("group.message.edit", since),
        ("conversation.message.create", private.json["id"]),
    ]
    assert all(e.name.startswith("group.") for e in for_bob)  # not alice and carol's talk


async def changes_for(app, account, since):
    hook = app.ctx.plugins.hook
    events = [
        event
        for part in await await_all(
            hook.chat_changes_since(app=app, user_id=UUID(account.id), since=since, limit=10)
        )
        for event in part
    ]
    return sorted(events, key=lambda event: event.cursor)
