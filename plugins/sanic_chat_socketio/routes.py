"""`/socket.io/`: Engine.IO's polling requests and websocket upgrades, on the service's port."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic_ext import openapi


def socketio_blueprint() -> Blueprint:
    bp = Blueprint("socketio")

    # Who may connect is decided by the Socket.IO CONNECT that follows (see `server.py`).
    @bp.route("/socket.io/", methods=["GET", "POST", "OPTIONS"], name="socketio")
    @openapi.exclude()
    async def socketio_endpoint(request: Request) -> Any:
        return await request.app.ctx.socketio.handle_request(request)

    # A websocket session answers no HTTP response once it ends: Sanic accepts that only from
    # handlers so marked.
    socketio_endpoint.is_websocket = True
    return bp
