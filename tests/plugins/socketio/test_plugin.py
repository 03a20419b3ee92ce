"""The plugin in an app: present with its extra, absent (and saying so once) without it.

Also the contract with python-socketio's Sanic mode, which upstream no longer maintains: the
Engine.IO handshake the seed's clients expect, through this app's own middleware.
"""

from __future__ import annotations

import json
import logging
import sys

from sanic_chat.app import create_app

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


async def test_the_engineio_handshake_is_the_seeds(client):
    _, response = await client.get(HANDSHAKE)
    assert response.status == 200, response.text
    assert response.text.startswith("0")
    opened = json.loads(response.text[1:])
    assert opened["upgrades"] == ["websocket"]
    assert (opened["pingInterval"], opened["pingTimeout"]) == (25000, 60000)
    assert opened["maxPayload"] == 1_000_000
    assert opened["sid"]


async def test_the_endpoint_is_not_in_the_api_document(client):
    _, response = await client.get("/api/docs/openapi.json")
    assert response.status == 200
    assert not [path for path in response.json["paths"] if "socket.io" in path]


def test_without_python_socketio_the_plugin_stays_out_with_one_line(settings, monkeypatch, caplog):
    # What an installation without the `socketio` extra has: the import fails.
    monkeypatch.setitem(sys.modules, "socketio", None)
    with caplog.at_level(logging.INFO, logger="sanic_chat.socketio"):
        app = create_app(settings)
    lines = [r.getMessage() for r in caplog.records if r.name == "sanic_chat.socketio"]
    assert len(lines) == 1
    assert "python-socketio is not installed" in lines[0]
    assert not [route for route in app.router.routes if "socket.io" in route.path]
    assert not hasattr(app.ctx, "socketio")
