"""`chat_room_summary_fields`: plugins add fields to every room of a list, in one call per list."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from sanic_chat import hookimpl
from sanic_chat.app import create_app
from sanic_chat.config import ConfigError, load_settings
from sanic_chat.plugin import newest_activity_first
from tests.settings import PASSWORD, TEST_SETTINGS


class Pins:
    """Pins the first room it is asked about; remembers every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, UUID, list[UUID]]] = []

    @hookimpl
    async def chat_room_summary_fields(self, kind, user_id, room_ids):
        self.calls.append((kind.name, user_id, list(room_ids)))
        return {room_id: {"pinned": n == 0} for n, room_id in enumerate(room_ids)}


class Clash:
    @hookimpl
    def chat_room_summary_fields(self, room_ids):
        return {room_id: {"title": "mine"} for room_id in room_ids}


pins = Pins()


@pytest.fixture
def plugins(request):
    return getattr(request, "param", [pins])


async def test_hook_chat_room_summary_fields(client, register):
    pins.calls.clear()
    alice, bob = await register("alice"), await register("bob")
    created = []
    for title in ("one", "two", "three"):
        _, response = await client.post(
            "/api/group", json={"title": title, "users": [bob.id]}, headers=alice.headers
        )
        created.append(response.json["id"])
    _, response = await client.post(
        "/api/conversation", json={"recipientId": bob.id}, headers=alice.headers
    )
    conversation = response.json["id"]

    _, response = await client.get("/api/group", headers=bob.headers)
    groups = response.json["groups"]
    assert sorted(g["id"] for g in groups) == sorted(created)
    assert [g["pinned"] for g in groups] == [True, False, False]
    _, response = await client.get("/api/conversation", headers=bob.headers)
    (listed,) = response.json["conversations"]
    assert listed["id"] == conversation and listed["pinned"] is True

    # One call per list, with that list's rooms only, for the reader.
    assert [(kind, str(user), len(ids)) for kind, user, ids in pins.calls] == [
        ("group", bob.id, 3),
        ("conversation", bob.id, 1),
    ]
    assert sorted(str(i) for i in pins.calls[0][2]) == sorted(created)

    # Nobody is asked about an empty list.
    carol = await register("carol")
    pins.calls.clear()
    _, response = await client.get("/api/group", headers=carol.headers)
    assert response.json == {"groups": []}
    assert pins.calls == []


@pytest.mark.parametrize("plugins", [[Clash()]], indirect=True)
async def test_a_field_the_summary_already_has_is_refused(client, register):
    alice = await register("alice")
    await client.post("/api/group", json={"title": "mine"}, headers=alice.headers)
    _, response = await client.get("/api/group", headers=alice.headers)
    assert response.status == 500
    assert "written by both" not in response.text  # a bare 500: the log names the plugins


def read_state_parts(app) -> list[str]:
    """The routes, commands and hooks the read-state plugin adds to `app`."""
    hook = app.ctx.plugins.hook
    return [
        *(f"route {route.path}" for route in app.router.routes if route.path.endswith("/read")),
        *(f"command {name}" for name in app.ctx.commands if ".read." in name),
        *(
            f"summary fields by {impl.plugin_name}"
            for impl in hook.chat_room_summary_fields.get_hookimpls()
        ),
        *(f"ready by {impl.plugin_name}" for impl in hook.chat_ready_data.get_hookimpls()),
    ]


async def test_read_state_disabled_leaves_no_route_command_or_field(database_url):
    enabled = create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS))
    assert set(read_state_parts(enabled)) == {
        "route api/group/<group_id:str>/read",
        "route api/conversation/<conversation_id:str>/read",
        "command group.read.mark",
        "command conversation.read.mark",
        "summary fields by read_state",
        "ready by read_state",
        "ready by user",
    }
    settings = load_settings(
        DATABASE_URL=database_url, PLUGINS_DISABLED="read_state", **TEST_SETTINGS
    )
    app = create_app(settings)
    assert read_state_parts(app) == ["ready by user"]

    client = app.asgi_client
    tokens = []
    for name in ("dora", "dan"):
        username = f"{name}_{uuid4().hex[:8]}"
        account = {"email": f"{username}@example.test", "username": username, "password": PASSWORD}
        await client.post("/api/auth/register", json=account)
        _, login = await client.post(
            "/api/auth/login", json={"username": username, "password": PASSWORD}
        )
        tokens.append(
            (login.json["user"]["id"], {"Authorization": f"Bearer {login.json['accessToken']}"})
        )
    (_, dora), (dan_id, dan) = tokens
    _, group = await client.post(
        "/api/group", json={"title": "plain", "users": [dan_id]}, headers=dora
    )
    _, sent = await client.post(
        f"/api/group/{group.json['id']}/message", json={"content": "still works"}, headers=dora
    )
    assert sent.status == 201
    _, listed = await client.get("/api/group", headers=dan)
    (summary,) = listed.json["groups"]
    assert summary["lastMessage"]["content"] == "still works"
    assert "unreadCount" not in summary and "lastReadMessageId" not in summary
    _, refused = await client.post(
        f"/api/group/{group.json['id']}/read", json={"messageId": sent.json["id"]}, headers=dan
    )
    assert refused.status in (404, 405)


class Starred:
    """Declares a summary field for the OpenAPI document."""

    @hookimpl
    def chat_register_summary_fields(self):
        from pydantic import Field

        return {"starred": (bool, Field(False, description="You starred the room."))}


class TitleAgain:
    @hookimpl
    def chat_register_summary_fields(self):
        from pydantic import Field

        return {"title": (str, Field("", description="Already the summary's."))}


async def test_hook_chat_register_summary_fields(database_url):
    settings = load_settings(
        DATABASE_URL=database_url, PLUGINS_DISABLED="read_state", **TEST_SETTINGS
    )
    app = create_app(settings, plugins=[Starred()])
    _, response = await app.asgi_client.get("/api/docs/openapi.json")
    schemas = response.json["components"]["schemas"]
    for summary in ("GroupSummary", "ConversationOut"):
        properties = schemas[summary]["properties"]
        assert properties["starred"]["type"] == "boolean", summary
        assert "starred" not in schemas[summary].get("required", []), summary
        assert "unreadCount" not in properties  # read_state is off in this app

    with pytest.raises(ConfigError, match="field 'title' is GroupSummary's own"):
        create_app(settings, plugins=[TitleAgain()])


async def test_read_state_documents_its_summary_fields(database_url):
    app = create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS))
    _, response = await app.asgi_client.get("/api/docs/openapi.json")
    schemas = response.json["components"]["schemas"]
    for summary in ("GroupSummary", "ConversationOut"):
        properties = schemas[summary]["properties"]
        assert properties["unreadCount"]["type"] == "integer", summary
        assert "lastReadMessageId" in properties, summary


def test_room_lists_are_ordered_by_instant_not_by_text():
    """A time on a whole second is written without a fraction: as text, `...:37Z` sorts after
    `...:37.500000Z`, which is half a second later."""
    rooms = [
        {"id": "whole second", "lastActivityAt": "2026-11-29T18:14:37Z"},
        {"id": "earlier", "lastActivityAt": "2026-11-29T18:14:36.900000Z"},
        {"id": "half a second later", "lastActivityAt": "2026-11-29T18:14:37.500000Z"},
    ]
    ordered = newest_activity_first(rooms)
    assert ordered is rooms
    assert [room["id"] for room in rooms] == ["half a second later", "whole second", "earlier"]
