"""Every hook, one test each, through a live server with a probe plugin installed.

The probe is laid out as an installed distribution declaring a `sanic_chat` entry point, so it
is found exactly as a third-party plugin is. It answers each hook in a way a client can see
(a route, a command, a `ready` field, a presence frame) or records the call where one of its
routes can report it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import httpx
import pytest

from tests.live import connect, live_server, new_group, post_message, register

PROBE = '''
"""A plugin implementing every hook, for the hook tests."""
from uuid import UUID

from sanic import Blueprint
from sanic.response import json

from sanic_chat import authenticated, hookimpl

CALLS = {"changes_since": [], "room_members": [], "message_stored": [], "events": []}
API_KEY = "probe-key:"
CONTACTS = {}  # user id -> a user id the probe says is also a contact


class KeyUser:
    def __init__(self, id):
        self.id = id


@hookimpl
def chat_register_models():
    return ["chat_probe.models"]


@hookimpl
def chat_register_blueprints(app):
    bp = Blueprint("probe", url_prefix="/api/probe")

    @bp.post("/notes")
    async def add_note(request):
        from .models import ProbeNote

        note = await ProbeNote.create(text=request.json["text"])
        return json({"id": note.id}, status=201)

    @bp.get("/notes")
    async def notes(request):
        from .models import ProbeNote

        return json({"notes": await ProbeNote.all().values_list("text", flat=True)})

    @bp.get("/whoami")
    @authenticated
    async def whoami(request):
        return json({"id": str(request.ctx.user.id)})

    @bp.get("/calls")
    async def calls(request):
        return json({**CALLS, "configured": request.app.ctx.probe_configured})

    @bp.post("/contacts")
    async def contacts(request):
        CONTACTS[UUID(request.json["of"])] = UUID(request.json["add"])
        return json({})

    return [bp]


@hookimpl
def chat_register_commands():
    async def echo(connection, data):
        return {"echo": data, "userId": str(connection.user_id)}

    return {"probe.echo": echo}


@hookimpl
def chat_configure_app(app):
    app.ctx.probe_configured = True


@hookimpl
async def chat_authenticate(request):
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.startswith(API_KEY):
        return KeyUser(UUID(credentials.removeprefix(API_KEY)))
    return None


@hookimpl
async def chat_before_message_stored(draft):
    draft.content = draft.content.replace("probe-secret", "[redacted]")


@hookimpl
def chat_message_stored(message, room):
    CALLS["message_stored"].append([message.content, str(room.id)])


@hookimpl
async def chat_event_published(event):
    CALLS["events"].append(event.name)


@hookimpl
def chat_ready_data(user_id):
    return {"probe": {"userId": str(user_id)}}


@hookimpl
def chat_changes_since(user_id, since, limit):
    CALLS["changes_since"].append([str(user_id), since, limit])
    return []


@hookimpl(tryfirst=True)
async def chat_room_members(room_type, room_id, user_id):
    CALLS["room_members"].append([room_type, room_id, str(user_id)])
    return None  # not a room kind of the probe's: the owner of the room answers


@hookimpl
def chat_contacts(user_id):
    return {CONTACTS[user_id]} if user_id in CONTACTS else set()
'''

MODELS = """
from tortoise import fields
from tortoise.models import Model


class ProbeNote(Model):
    id = fields.IntField(primary_key=True)
    text = fields.CharField(max_length=100)

    class Meta:
        table = "probe_notes"
"""


def install_probe(root) -> None:
    package = root / "chat_probe"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(PROBE))
    (package / "models.py").write_text(textwrap.dedent(MODELS))
    info = root / "chat_probe-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: chat_probe\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sanic_chat]\nprobe = chat_probe\n")


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    install_probe(root)
    env = {**server_env, "PYTHONPATH": _path_with(root)}
    # The probe's table, as any plugin gets one: its author writes the migration into the
    # package, and `db upgrade` applies it.
    for command in (("db", "migrate", "probe", "--name", "init"), ("db", "upgrade")):
        done = subprocess.run(
            [sys.executable, "-m", "sanic_chat", *command],
            env={**os.environ, **env},
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    with live_server(env, cwd=root) as running:
        yield running


def _path_with(root) -> str:
    return os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.http) as client:
        yield client


async def calls(http) -> dict:
    response = await http.get("/api/probe/calls")
    assert response.status_code == 200, response.text
    return response.json()


async def test_hook_chat_register_models(http):
    assert (await http.post("/api/probe/notes", json={"text": "kept"})).status_code == 201
    assert (await http.get("/api/probe/notes")).json() == {"notes": ["kept"]}


async def test_hook_chat_register_blueprints(http):
    assert (await http.get("/api/probe/calls")).status_code == 200
    assert (await http.get("/api/probe/nowhere")).status_code == 404


async def test_hook_chat_configure_app(http):
    assert (await calls(http))["configured"] is True


async def test_hook_chat_register_commands(server, http):
    alice = await register(http, "alice")
    ws = await connect(server, alice["token"])
    ack = await ws.command("probe.echo", {"hello": 1}, ref="e")
    assert ack["type"] == "ack"
    assert ack["data"] == {"echo": {"hello": 1}, "userId": alice["id"]}
    await ws.ws.close()


async def test_hook_chat_authenticate(http):
    """An API key the built-in token check cannot read is the plugin's to answer."""
    alice = await register(http, "alice")
    key = {"Authorization": f"Bearer probe-key:{alice['id']}"}
    response = await http.get("/api/probe/whoami", headers=key)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": alice["id"]}
    # The built-ins' routes take it too, and bearer tokens still reach the built-in check.
    assert (await http.get("/api/user/me", headers=key)).status_code == 200
    assert (await http.get("/api/probe/whoami", headers=alice["headers"])).json() == {
        "id": alice["id"]
    }
    bad = await http.get("/api/probe/whoami", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401


async def test_hook_chat_before_message_stored(http):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    message = await post_message(http, alice, group_id, "the probe-secret is out")
    assert message["content"] == "the [redacted] is out"


async def test_hook_chat_message_stored(http):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    await post_message(http, alice, group_id, f"stored {group_id}")
    assert [f"stored {group_id}", group_id] in (await calls(http))["message_stored"]


async def test_hook_chat_event_published(http):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    await post_message(http, alice, group_id, "an event")
    events = (await calls(http))["events"]
    assert "group.create" in events
    assert "group.message.create" in events


async def test_hook_chat_ready_data(server, http):
    alice = await register(http, "alice")
    ws = await connect(server, alice["token"])
    assert ws.ready["data"]["probe"] == {"userId": alice["id"]}
    assert ws.ready["data"]["user"]["id"] == alice["id"]  # the user plugin's field is kept
    await ws.ws.close()


async def test_hook_chat_changes_since(server, http):
    alice = await register(http, "alice")
    group_id = await new_group(http, alice)
    await post_message(http, alice, group_id, "missed")
    ws = await connect(server, alice["token"], since="0")
    assert (await ws.next_of("group.message.create"))["data"]["content"] == "missed"
    asked = [call for call in (await calls(http))["changes_since"] if call[0] == alice["id"]]
    assert asked and asked[0][1] == 0 and asked[0][2] > 0
    await ws.ws.close()


async def test_hook_chat_room_members(server, http):
    """The probe answers None first (tryfirst); the group plugin, asked next, answers."""
    alice, bob = await register(http, "alice"), await register(http, "bob")
    group_id = await new_group(http, alice, bob)
    alice_ws, bob_ws = await connect(server, alice["token"]), await connect(server, bob["token"])
    assert (await alice_ws.command("typing", {"groupId": group_id}, ref="t"))["type"] == "ack"
    assert (await bob_ws.next_of("typing"))["data"]["userId"] == alice["id"]
    assert ["group", group_id, alice["id"]] in (await calls(http))["room_members"]
    for ws in (alice_ws, bob_ws):
        await ws.ws.close()


async def test_hook_chat_contacts(server, http):
    """A contact the probe adds hears of presence without sharing a room."""
    alice, carol = await register(http, "alice"), await register(http, "carol")
    await http.post("/api/probe/contacts", json={"of": alice["id"], "add": carol["id"]})
    carol_ws = await connect(server, carol["token"])
    alice_ws = await connect(server, alice["token"])
    online = await carol_ws.next_of("presence")
    assert online["data"] == {"userId": alice["id"], "status": "online"}
    for ws in (alice_ws, carol_ws):
        await ws.ws.close()
