"""`PLUGINS_DISABLED=reactions`: no routes, no commands, no field; rooms work as before."""

from __future__ import annotations

import pytest

from sanic_chat.config import load_settings
from tests.settings import TEST_SETTINGS

REACTION_PATH = "/api/group/{group_id}/message/{message_id}/reactions/{emoji}"


@pytest.fixture
def settings(database_url):
    return load_settings(DATABASE_URL=database_url, PLUGINS_DISABLED="reactions", **TEST_SETTINGS)


async def test_without_the_plugin_rooms_have_no_reactions(app, client, register):
    assert "reaction.add" not in app.ctx.commands
    assert "reaction.remove" not in app.ctx.commands
    alice = await register("alice")
    _, group = await client.post("/api/group", json={"title": "t"}, headers=alice.headers)
    room = f"/api/group/{group.json['id']}"
    _, sent = await client.post(f"{room}/message", json={"content": "hi"}, headers=alice.headers)
    assert sent.status == 201
    assert "reactions" not in sent.json
    _, page = await client.get(f"{room}/message", headers=alice.headers)
    assert page.json["messages"][0]["content"] == "hi"
    assert "reactions" not in page.json["messages"][0]
    _, put = await client.put(
        f"{room}/message/{sent.json['id']}/reactions/%F0%9F%91%8D", headers=alice.headers
    )
    assert put.status == 404
    # The OpenAPI document is process-wide in sanic-ext (other tests' apps add to it): the
    # router says what this app serves.
    assert not any("reactions" in route.path for route in app.router.routes)
    assert "reactions" not in app.ctx.rooms["group"].messages.payloads.out.model_fields


async def test_with_the_plugin_its_routes_are_documented(settings, database_url, plugins):
    from sanic_chat.app import create_app

    app = create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS), plugins=plugins)
    _, spec = await app.asgi_client.get("/api/docs/openapi.json")
    operations = spec.json["paths"][REACTION_PATH]
    assert set(operations) == {"put", "delete"}
    assert {"201", "200", "404", "409", "422", "401"} <= operations["put"]["responses"].keys()
