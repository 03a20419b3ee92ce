"""Fields plugins add to messages: a send field, view fields, and the batched hook filling them.

A "stamps" plugin, installed as a distribution on a live server, lets a sender stamp a message
(`stamp` on the send) and shows the stamp on every view of it, with the viewer the view was
filled for. It keeps nothing itself: the core stores a message's send fields and hands them
back. It records each `chat_fill_message_views` call, so the tests see which batches were
filled, for whom, and with the draft or not.
"""

from __future__ import annotations

import os
import textwrap
import uuid

import httpx
import pytest
from pydantic import Field

from sanic_chat import hookimpl
from sanic_chat.app import create_app
from sanic_chat.config import ConfigError
from sanic_chat.messages.stored import amended_by_after
from tests.live import connect, live_server, new_group, register

PLUGIN = '''
"""Stamps: a sender stamps a message; every view of it shows the stamp."""
from pydantic import Field
from sanic import Blueprint
from sanic.response import json

from sanic_chat import Forbidden, hookimpl

CALLS = {"fill": [], "check": []}


@hookimpl
def chat_register_send_fields():
    return {"stamp": (str | None, Field(None, max_length=20, description="A stamp."))}


@hookimpl
def chat_register_view_fields():
    return {
        "stamp": (str | None, Field(None, description="The message's stamp.")),
        "filled_for": (str | None, Field(None, description="Whom the view was filled for.")),
    }


@hookimpl
def chat_check_send_fields(draft):
    CALLS["check"].append(draft.content)
    if draft.extra["stamp"] == "forbidden":
        raise Forbidden("That stamp is not allowed.", code="stamp_refused")


@hookimpl
async def chat_fill_message_views(
    kind, viewer_id, views, draft, changed_ids, sent_fields, amended_by
):
    CALLS["fill"].append(
        {
            "kind": kind.name,
            "viewer": None if viewer_id is None else str(viewer_id),
            "ids": [view["id"] for view in views],
            "changed": sorted(changed_ids),
            "rooms": [view[kind.id_key] for view in views],
            # Its own field only: other plugins' (replies) are in `draft.extra` too.
            "draft": None if draft is None else {"stamp": draft.extra["stamp"]},
            "sent": [sent_fields[view["id"]] for view in views],
            "amended_by": [sorted(amended_by[view["id"]]) for view in views],
        }
    )
    for view in views:
        view["stamp"] = (sent_fields[view["id"]] or {}).get("stamp")
        view["filledFor"] = None if viewer_id is None else str(viewer_id)


@hookimpl
def chat_register_blueprints():
    bp = Blueprint("stamps", url_prefix="/api/stamps")

    @bp.get("/calls")
    async def calls(request):
        return json(CALLS)

    @bp.delete("/calls")
    async def forget(request):
        for calls in CALLS.values():
            calls.clear()
        return json({})

    return [bp]
'''


def install_stamps(root) -> None:
    package = root / "chat_stamps"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    info = root / "chat_stamps-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chat-stamps\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sanic_chat]\nstamps = chat_stamps\n")


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    root = tmp_path_factory.mktemp("stamps")
    install_stamps(root)
    path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    with live_server({**server_env, "PYTHONPATH": path}, cwd=root) as running:
        yield running


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as client:
        yield client


async def hook_calls(http) -> dict[str, list]:
    """The calls of `chat_fill_message_views` and `chat_check_send_fields` since the last
    look, and forget them."""
    calls = (await http.get("/api/stamps/calls")).json()
    await http.delete("/api/stamps/calls")
    return calls


async def fill_calls(http) -> list[dict]:
    return (await hook_calls(http))["fill"]


async def send(http, account, group_id, content, **extra):
    response = await http.post(
        f"/api/group/{group_id}/message",
        json={"content": content, **extra},
        headers=account["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_hook_chat_register_send_fields(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    bob_ws = await connect(server, bob["token"])

    # REST: the field is validated, reaches the draft, and a plugin may refuse the send.
    stamped = await send(http, alice, group, "stamped", stamp="approved")
    assert stamped["stamp"] == "approved"
    too_long = await http.post(
        f"/api/group/{group}/message",
        json={"content": "x", "stamp": "s" * 21},
        headers=alice["headers"],
    )
    assert too_long.status_code == 422
    assert [e["field"] for e in too_long.json()["errors"]] == ["body.stamp"]
    # Left out: the default.
    assert (await send(http, alice, group, "plain"))["stamp"] is None

    # WebSocket: the same field on the send command.
    data = {"groupId": group, "content": "over the socket", "stamp": "socket"}
    ack = await bob_ws.command("group.message.send", data, ref="s")
    assert ack["type"] == "ack" and ack["data"]["stamp"] == "socket"
    bad = await bob_ws.command("group.message.send", {**data, "stamp": 5}, ref="b")
    assert bad["error"]["status"] == 422
    assert [e["field"] for e in bad["error"]["errors"]] == ["data.stamp"]

    spec = (await http.get("/api/docs/openapi.json")).json()
    body = spec["components"]["schemas"]["SendMessage"]
    assert body["properties"]["stamp"]["maxLength"] == 20
    assert "stamp" not in body.get("required", [])
    await bob_ws.ws.close()


async def test_hook_chat_check_send_fields(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    await hook_calls(http)
    refused = await http.post(
        f"/api/group/{group}/message",
        json={"content": "refused", "stamp": "forbidden"},
        headers=alice["headers"],
    )
    assert refused.status_code == 403 and refused.json()["code"] == "stamp_refused"
    bob_ws = await connect(server, bob["token"])
    data = {"groupId": group, "content": "refused too", "stamp": "forbidden"}
    error = (await bob_ws.command("group.message.send", data, ref=1))["error"]
    assert error["status"] == 403 and error["code"] == "stamp_refused"
    # Sends that use no send field skip the check (and its membership query).
    await send(http, alice, group, "plain")
    await send(http, alice, group, "default given", stamp=None)
    await send(http, alice, group, "stamped", stamp="fine")
    assert (await hook_calls(http))["check"] == ["refused", "refused too", "stamped"]
    # Outsiders are refused as non-members before any check sees their draft.
    eve = await register(http, "eve")
    outsider = await http.post(
        f"/api/group/{group}/message",
        json={"content": "outsider", "stamp": "forbidden"},
        headers=eve["headers"],
    )
    assert outsider.status_code == 404 and outsider.json()["code"] == "group_not_found"
    assert (await hook_calls(http))["check"] == []
    await bob_ws.ws.close()


async def test_hook_chat_register_view_fields(http):
    spec = (await http.get("/api/docs/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("GroupMessageOut", "ConversationMessageOut"):
        properties = schemas[name]["properties"]
        assert properties["stamp"]["description"] == "The message's stamp.", name
        assert "filledFor" in properties, name
    # The history page refers to the same schema.
    page = schemas["GroupMessages"]["properties"]["messages"]["items"]
    assert page == {"$ref": "#/components/schemas/GroupMessageOut"}


async def test_hook_chat_fill_message_views(server, http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group = await new_group(http, alice, bob)
    bob_ws = await connect(server, bob["token"])
    await fill_calls(http)

    # A new message: one call for the answer and the event, with the draft, for everyone.
    sent = await send(http, alice, group, "first", stamp="one")
    created = await bob_ws.next_of("group.message.create")
    assert created["data"] == sent and sent["stamp"] == "one" and sent["filledFor"] is None
    assert await fill_calls(http) == [
        {
            "kind": "group",
            "viewer": None,
            "ids": [sent["id"]],
            "changed": [],
            "rooms": [group],
            "draft": {"stamp": "one"},
            "sent": [{"stamp": "one"}],
            "amended_by": [[]],
        }
    ]

    # A history page: one call for the page, for its reader, without a draft.
    others = [await send(http, alice, group, f"more {n}") for n in range(3)]
    await fill_calls(http)
    page = (await http.get(f"/api/group/{group}/message?limit=3", headers=bob["headers"])).json()
    assert [m["filledFor"] for m in page["messages"]] == [bob["id"]] * 3
    (call,) = await fill_calls(http)
    assert call["ids"] == [m["id"] for m in reversed(others)]
    assert call["viewer"] == bob["id"] and call["draft"] is None
    # Nothing changed any of them since it was stored, and they were sent with no send field.
    assert call["changed"] == [] and call["sent"] == [{}, {}, {}]
    older = await http.get(
        f"/api/group/{group}/message?before={page['nextCursor']}", headers=bob["headers"]
    )
    assert older.json()["messages"][0]["stamp"] == "one"
    await fill_calls(http)

    # Edit and delete: their answers and events carry the fields, filled for everyone.
    edited = await http.patch(
        f"/api/group/{group}/message/{sent['id']}",
        json={"content": "first!"},
        headers=alice["headers"],
    )
    assert edited.json()["stamp"] == "one"
    assert (await bob_ws.next_of("group.message.edit"))["data"]["stamp"] == "one"
    deleted = await http.delete(
        f"/api/group/{group}/message/{sent['id']}", headers=alice["headers"]
    )
    assert deleted.json()["stamp"] == "one" and deleted.json()["deleted"] is True
    assert (await bob_ws.next_of("group.message.delete"))["data"]["stamp"] == "one"
    calls = await fill_calls(http)
    assert [c["viewer"] for c in calls] == [None, None]
    assert [c["changed"] for c in calls] == [[sent["id"]], [sent["id"]]]
    assert [c["sent"] for c in calls] == [[{"stamp": "one"}], [{"stamp": "one"}]]
    # Changed by its author, not by a plugin's amendment.
    assert [c["amended_by"] for c in calls] == [[[]], [[]]]

    # A page holding the changed message among unchanged ones says which one it is.
    whole = (await http.get(f"/api/group/{group}/message", headers=bob["headers"])).json()
    assert [m["id"] for m in whole["messages"]] == [m["id"] for m in reversed(others)] + [
        sent["id"]
    ]
    (call,) = await fill_calls(http)
    assert call["changed"] == [sent["id"]]
    assert call["sent"] == [{}, {}, {}, {"stamp": "one"}]

    # Room lists: the newest message of every room in one call, for the reader.
    listed = (await http.get("/api/group", headers=bob["headers"])).json()["groups"]
    assert listed[0]["lastMessage"]["filledFor"] == bob["id"]
    (call,) = await fill_calls(http)
    assert call["ids"] == [others[-1]["id"]] and call["viewer"] == bob["id"]
    assert call["changed"] == [] and call["sent"] == [{}]

    # Resume: the replayed changes in one call per kind, for the resuming user.
    cursor = created["cursor"]
    await bob_ws.ws.close()
    back = await connect(server, bob["token"], since=cursor)
    replayed = [await back.next_of("group.message.create") for _ in range(3)]
    assert [f["data"]["filledFor"] for f in replayed] == [bob["id"]] * 3
    group_calls = [c for c in await fill_calls(http) if c["kind"] == "group"]
    assert len(group_calls) == 1 and group_calls[0]["viewer"] == bob["id"]
    # The three new messages as created, the first one as deleted since.
    assert group_calls[0]["changed"] == [sent["id"]]
    assert group_calls[0]["sent"] == [{}, {}, {}, {"stamp": "one"}]
    await back.ws.close()


async def test_a_conversation_s_views_are_filled_too(http):
    alice, bob = await register(http, "alice"), await register(http, "bob")
    opened = await http.post(
        "/api/conversation",
        json={"recipientId": bob["id"], "message": "hi"},
        headers=alice["headers"],
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["lastMessage"]["filledFor"] == alice["id"]
    conversation = opened.json()["id"]
    reply = await http.post(
        f"/api/conversation/{conversation}/message",
        json={"content": "hello", "stamp": "dm", "clientId": str(uuid.uuid4())},
        headers=bob["headers"],
    )
    assert reply.json()["stamp"] == "dm"


class Declares:
    def __init__(self, send=None, view=None) -> None:
        self._send, self._view = send or {}, view or {}

    @hookimpl
    def chat_register_send_fields(self):
        return self._send

    @hookimpl
    def chat_register_view_fields(self):
        return self._view


@pytest.mark.parametrize(
    ("plugins", "error"),
    [
        ([Declares(send={"client_id": (int, Field(0))})], "is the core's own"),
        ([Declares(view={"group_id": (int, Field(0))})], "is the core's own"),
        ([Declares(view={"n": (int, Field())})], "needs a default"),
        ([Declares(view={"replyCount": (int, Field(0))})], "must be a snake_case name"),
        ([Declares(send={"n": int})], r"must be \(annotation, pydantic.Field"),
        (
            [Declares(view={"n": (int, Field(0))}), Declares(view={"n": (int, Field(0))})],
            "is declared by plugin",
        ),
    ],
)
def test_a_field_that_cannot_be_added_stops_the_start(settings, plugins, error):
    with pytest.raises(ConfigError, match=error):
        create_app(settings, plugins=plugins)


@pytest.mark.parametrize(
    ("seq", "stored", "by", "after"),
    [
        (7, None, None, []),  # first change of a message, an edit
        (7, None, "reactions", ["reactions"]),  # first change, an amendment
        (9, ["reactions"], "replies", ["reactions", "replies"]),
        (9, '["replies"]', "replies", ["replies"]),  # as a plain row holds it
        (9, [], None, []),
        # Changed before amendments were recorded: whoever did is not known, now or later.
        (9, None, "reactions", None),
    ],
)
def test_amended_by_records_each_plugin_once_and_never_forgets_it_does_not_know(
    seq, stored, by, after
):
    assert amended_by_after(7, seq, stored, by) == after
