"""A kind of room defined by a plugin in this test gets everything the built-in rooms have.

Public channels: anyone may join, members read and write, each author edits and deletes their
own messages. The plugin says only that (its tables, its members as data, its error and a join
route); the message routes, the WebSocket send command, typing, resume, presence contacts,
idempotency, tombstones and events come from the core. Driven through REST and WebSocket on a
live server over PostgreSQL.
"""

from __future__ import annotations

import os
import textwrap
import uuid

import httpx
import pytest

from sanic_chat.app import create_app
from sanic_chat.config import ConfigError
from tests.live import connect, live_server, register

PLUGIN = '''
"""Public channels: anyone may join; members read and write."""
from sanic_chat import hookimpl

requires = ("user",)


@hookimpl
def chat_register_models():
    return ["chat_channels.models"]


@hookimpl
def chat_register_room_kinds():
    from sanic import Blueprint
    from sanic.response import json

    from sanic_chat import NotFound, authenticated
    from sanic_chat.rooms import Members, RoomKind

    from .models import Channel, ChannelMember, ChannelMessage

    def routes(bp: Blueprint) -> None:
        @bp.post("/", strict_slashes=False)
        @authenticated
        async def create(request):
            channel = await Channel.create(name=request.json["name"])
            await ChannelMember.create(channel_id=channel.id, user_id=request.ctx.user.id)
            return json({"id": str(channel.id)}, status=201)

        @bp.post("/<channel_id:str>/join")
        @authenticated
        async def join(request, channel_id: str):
            await ChannelMember.get_or_create(channel_id=channel_id, user_id=request.ctx.user.id)
            return json({"joined": channel_id})

    def missing_channel():
        return NotFound("No such channel.", code="channel_not_found")

    return [
        RoomKind(
            name="channel",
            message_model=ChannelMessage,
            members=Members(ChannelMember, room="channel_id"),
            missing_room=missing_channel,
            routes=routes,
        )
    ]
'''

MODELS = """
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from sanic_chat.messages import Message


class Channel(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    name = fields.CharField(max_length=100)

    class Meta:
        table = "test_channels"


class ChannelMember(Model):
    id = fields.BigIntField(primary_key=True)
    channel = fields.ForeignKeyField("channels.Channel", related_name=False)
    user = fields.ForeignKeyField("user.User", related_name=False)

    class Meta:
        table = "test_channel_members"
        unique_together = (("channel", "user"),)


class ChannelMessage(Message):
    channel = fields.ForeignKeyField("channels.Channel", related_name=False)

    class Meta:
        table = "test_channel_messages"
        unique_together = (("author", "client_id"),)
        indexes = (("channel", "id"),)
"""

# A real plugin ships a migration; this test creates its tables itself.
TABLES = """
CREATE TABLE test_channels (id UUID PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE test_channel_members (
    id BIGSERIAL PRIMARY KEY,
    channel_id UUID NOT NULL REFERENCES test_channels (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    UNIQUE (channel_id, user_id)
);
CREATE TABLE test_channel_messages (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    channel_id UUID NOT NULL REFERENCES test_channels (id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content TEXT,
    client_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ,
    sent_fields JSONB,
    amended_by JSONB,
    UNIQUE (author_id, client_id)
);
CREATE INDEX ON test_channel_messages (channel_id, id);
CREATE INDEX ON test_channel_messages (seq);
"""
DROP = "DROP TABLE test_channel_messages, test_channel_members, test_channels"


def install_channels(root) -> None:
    """Lay out the plugin as an installed distribution declaring a `sanic_chat` entry point."""
    package = root / "chat_channels"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (package / "models.py").write_text(textwrap.dedent(MODELS))
    info = root / "chat_channels-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chat-channels\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sanic_chat]\nchannels = chat_channels\n")


@pytest.fixture(scope="module")
async def channel_tables(database_url):
    import asyncpg

    connection = await asyncpg.connect(database_url)
    await connection.execute(TABLES)
    yield
    await connection.execute(DROP)
    await connection.close()


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory, channel_tables):
    """This module's server has the channels plugin installed (the others' do not)."""
    root = tmp_path_factory.mktemp("plugin")
    install_channels(root)
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = {**server_env, "PYTHONPATH": path}
    with live_server(env, cwd=tmp_path_factory.mktemp("server")) as running:
        yield running


async def new_channel(http: httpx.AsyncClient, owner, *members) -> str:
    response = await http.post("/api/channel", json={"name": "lobby"}, headers=owner["headers"])
    assert response.status_code == 201, response.text
    channel_id = response.json()["id"]
    for member in members:
        joined = await http.post(f"/api/channel/{channel_id}/join", headers=member["headers"])
        assert joined.status_code == 200, joined.text
    return channel_id


async def test_hook_chat_register_room_kinds(server, http):
    """REST: send, idempotent retry, history, edit, delete with tombstone; events to members."""
    alice, bob, eve = [await register(http, name) for name in ("alice", "bob", "eve")]
    channel = await new_channel(http, alice, bob)
    bob_ws, eve_ws = await connect(server, bob["token"]), await connect(server, eve["token"])
    messages = f"/api/channel/{channel}/message"

    client_id = str(uuid.uuid4())
    body = {"content": "hello channel", "clientId": client_id}
    sent = await http.post(messages, json=body, headers=alice["headers"])
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["channelId"] == channel
    assert message["author"]["id"] == alice["id"]
    retried = await http.post(messages, json=body, headers=alice["headers"])
    assert retried.status_code == 200
    assert retried.json()["id"] == message["id"]
    created = await bob_ws.next_of("channel.message.create")
    assert created["data"] == message
    assert created["cursor"] == str(message["id"])
    await bob_ws.nothing_of("channel.message.create")  # the retry published nothing
    await eve_ws.nothing_of("channel.message.create")

    page = await http.get(messages, headers=bob["headers"])
    assert page.status_code == 200
    assert page.json() == {"messages": [message], "nextCursor": None}

    # Outsiders: the channel is missing to them, whatever they try.
    for method, path, payload in [
        ("GET", messages, None),
        ("POST", messages, {"content": "let me in"}),
        ("PATCH", f"{messages}/{message['id']}", {"content": "mine now"}),
        ("DELETE", f"{messages}/{message['id']}", None),
    ]:
        refused = await http.request(method, path, json=payload, headers=eve["headers"])
        assert refused.status_code == 404, (method, refused.text)
        assert refused.json()["code"] == "channel_not_found"

    not_author = await http.patch(
        f"{messages}/{message['id']}", json={"content": "bob's now"}, headers=bob["headers"]
    )
    assert not_author.status_code == 403
    edited = await http.patch(
        f"{messages}/{message['id']}", json={"content": "hello, edited"}, headers=alice["headers"]
    )
    assert edited.status_code == 200
    assert edited.json()["content"] == "hello, edited"
    edit_event = await bob_ws.next_of("channel.message.edit")
    assert edit_event["data"]["editedAt"] is not None

    deleted = await http.delete(f"{messages}/{message['id']}", headers=alice["headers"])
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True and deleted.json()["content"] is None
    assert (await bob_ws.next_of("channel.message.delete"))["data"]["deleted"] is True
    await eve_ws.nothing_of("channel.message.edit", "channel.message.delete")
    (tombstone,) = (await http.get(messages, headers=bob["headers"])).json()["messages"]
    assert tombstone["id"] == message["id"] and tombstone["deleted"] is True

    spec = (await http.get("/api/docs/openapi.json")).json()
    send_doc = spec["paths"]["/api/channel/{channel_id}/message"]["post"]
    assert {"201", "200", "404", "409"} <= send_doc["responses"].keys()
    assert "ChannelMessageOut" in spec["components"]["schemas"]
    for client in (bob_ws, eve_ws):
        await client.ws.close()


async def test_websocket_send_typing_and_presence_for_a_plugin_kind(server, http):
    alice, bob, eve = (
        await register(http, "alice"),
        await register(http, "bob"),
        await register(http, "eve"),
    )
    channel = await new_channel(http, alice, bob)
    alice_ws, bob_ws, eve_ws = (
        await connect(server, alice["token"]),
        await connect(server, bob["token"]),
        await connect(server, eve["token"]),
    )

    data = {"channelId": channel, "content": "over the socket", "clientId": str(uuid.uuid4())}
    ack = await bob_ws.command("channel.message.send", data, ref="s")
    assert ack["type"] == "ack"
    assert ack["data"]["channelId"] == channel
    again = await bob_ws.command("channel.message.send", data, ref="s2")
    assert again["data"]["id"] == ack["data"]["id"]
    assert (await alice_ws.next_of("channel.message.create"))["data"] == ack["data"]
    await alice_ws.nothing_of("channel.message.create")
    await eve_ws.nothing_of("channel.message.create")
    outsider = await eve_ws.command("channel.message.send", {**data, "clientId": None}, ref="x")
    assert outsider["error"]["code"] == "channel_not_found"

    assert (await bob_ws.command("typing", {"channelId": channel}, ref="t"))["type"] == "ack"
    typing = await alice_ws.next_of("typing")
    assert typing["data"] == {"userId": bob["id"], "channelId": channel}
    await eve_ws.nothing_of("typing")
    refused = await eve_ws.command("typing", {"channelId": channel}, ref="t2")
    assert refused["error"]["status"] == 404
    assert refused["error"]["code"] == "channel_not_found"
    both = await bob_ws.command("typing", {"channelId": channel, "groupId": channel}, ref="t3")
    assert both["error"]["code"] == "validation_failed"

    # Presence: a channel's members are contacts; someone in no channel with carol is not.
    carol = await register(http, "carol")
    await http.post(f"/api/channel/{channel}/join", headers=carol["headers"])
    carol_ws = await connect(server, carol["token"])
    online = await alice_ws.next_of("presence")
    assert online["data"] == {"userId": carol["id"], "status": "online"}
    await eve_ws.nothing_of("presence")
    for client in (alice_ws, bob_ws, eve_ws, carol_ws):
        await client.ws.close()


async def test_resume_replays_a_plugin_kind_s_changes(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    channel = await new_channel(http, alice, bob)
    messages = f"/api/channel/{channel}/message"
    alice_ws = await connect(server, alice["token"])
    seen = (await http.post(messages, json={"content": "seen"}, headers=bob["headers"])).json()
    cursor = (await alice_ws.next_of("channel.message.create"))["cursor"]
    await alice_ws.ws.close()

    missed = (await http.post(messages, json={"content": "missed"}, headers=bob["headers"])).json()
    await http.delete(f"{messages}/{seen['id']}", headers=bob["headers"])
    back = await connect(server, alice["token"], since=cursor)
    replay = [
        await back.next_of("channel.message.create", "channel.message.delete") for _ in range(2)
    ]
    assert [(f["type"], f["data"]["id"]) for f in replay] == [
        ("channel.message.create", missed["id"]),
        ("channel.message.delete", seen["id"]),
    ]
    await back.ws.close()


async def test_read_state_for_a_plugin_kind(server, http):
    """The read-state plugin counts, marks and reports a plugin's kind as it does groups."""
    alice, bob = await register(http, "alice"), await register(http, "bob")
    channel = await new_channel(http, alice, bob)
    messages = f"/api/channel/{channel}/message"
    sent = [
        (await http.post(messages, json={"content": f"c{n}"}, headers=alice["headers"])).json()
        for n in range(3)
    ]
    bob_ws = await connect(server, bob["token"])
    (room,) = bob_ws.ready["data"]["readState"]["rooms"]
    assert room == {
        "type": "channel",
        "channelId": channel,
        "unreadCount": 3,
        "lastReadMessageId": None,
    }

    marked = await http.post(
        f"/api/channel/{channel}/read", json={"messageId": sent[0]["id"]}, headers=bob["headers"]
    )
    assert marked.status_code == 200, marked.text
    assert (marked.json()["channelId"], marked.json()["unreadCount"]) == (channel, 2)
    update = await bob_ws.next_of("channel.read.update")
    assert update["data"]["lastReadMessageId"] == sent[0]["id"]
    ack = await bob_ws.command(
        "channel.read.mark", {"channelId": channel, "messageId": sent[2]["id"]}, ref="r"
    )
    assert (ack["data"]["unreadCount"], ack["data"]["lastReadMessageId"]) == (0, sent[2]["id"])

    eve = await register(http, "eve")
    outsider = await http.post(
        f"/api/channel/{channel}/read", json={"messageId": sent[0]["id"]}, headers=eve["headers"]
    )
    assert (outsider.status_code, outsider.json()["code"]) == (404, "channel_not_found")
    await bob_ws.ws.close()


def test_two_kinds_with_one_name_stop_the_start(settings):
    from sanic_chat import hookimpl
    from sanic_chat_group.room import GROUP

    class Impostor:
        @hookimpl
        def chat_register_room_kinds(self):
            return [GROUP]

    with pytest.raises(ConfigError, match="two room kinds share the name 'group'"):
        create_app(settings, plugins=[Impostor()])


def test_only_room_kinds_are_registered_as_room_kinds(settings):
    from sanic_chat import hookimpl

    class Confused:
        @hookimpl
        def chat_register_room_kinds(self):
            return [{"name": "channel"}]

    with pytest.raises(ConfigError, match="not a RoomKind"):
        create_app(settings, plugins=[Confused()])
