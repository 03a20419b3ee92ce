"""`POST <room>/read` for every kind of room: authenticate, validate, call the service."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat.plugin import (
    RoomKind,
    authenticated,
    json_body,
    parse_id,
    path_parameter,
    responds,
)

from .schemas import AllReadStates, MarkRead, read_state_out


def read_state_blueprint(rooms) -> Blueprint:
    bp = Blueprint("read_state")

    @bp.get("/api/read-state")
    @openapi.definition(
        summary="Your position and unread count in every room you are in",
        description="What the WebSocket `ready` frame carries as `readState`: to refresh every "
        "badge at once without reloading the room lists.",
        tag="read-state",
    )
    @responds(200, AllReadStates, "Every room you are in, of every kind")
    @authenticated
    async def everything(request: Request):
        return json(await request.app.ctx.read_state.ready(request.ctx.user.id))

    for room in rooms:
        add_mark_route(bp, room.kind)
    return bp


def add_mark_route(bp: Blueprint, kind: RoomKind) -> None:
    room_param = kind.id_field

    @bp.post(f"{kind.url_prefix}/<{room_param}:str>/read", name=f"{kind.name}_read")
    @openapi.definition(
        summary=f"Mark the {kind.label} read up to a message",
        description="Moves your position forward: an older message than the one you read "
        "up to changes nothing (200 with your position as it is). Your other devices get "
        f"`{kind.event_prefix}.read.update`.",
        tag=kind.name,
    )
    @responds(200, read_state_out(kind.schema_prefix, kind.id_field), "Your position", errors=[404])
    @path_parameter(room_param, f"The {kind.label}'s id.")
    @authenticated
    @json_body(MarkRead)
    async def mark_read(request: Request, body: MarkRead, **path: str):
        room_id = parse_id(path[room_param], "id")
        state = await request.app.ctx.read_state.mark(
            kind, room_id, request.ctx.user.id, body.message_id
        )
        return json(state)

    mark_read.__name__ = f"mark_{kind.name}_read"
