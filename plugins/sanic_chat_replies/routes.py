"""The thread route of each kind of room: `GET <kind prefix>/{roomId}/message/{id}/replies`."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, query_args, responds
from sanic_chat.plugin import (
    MESSAGE_ID_SCHEMA,
    HistoryQuery,
    RoomKind,
    parse_id,
    parse_message_id,
    path_parameter,
)

from .service import thread_page


def replies_blueprint(kind: RoomKind, page: type[Any]) -> Blueprint:
    """`page` is the kind's history page schema: a thread page is one."""
    bp = Blueprint(f"replies_{kind.name}", url_prefix=kind.url_prefix)
    room_param = kind.id_field

    @bp.get(f"/<{room_param}:str>/message/<message_id:str>/replies")
    @openapi.definition(
        summary="Replies to a message, newest first (cursor pages)",
        description="The same cursors as history: `before`/`after` are reply ids; deleted "
        "replies keep their place as tombstones. 404 `message_not_found` when the room has no "
        "such message.",
        tag=kind.name,
    )
    @responds(200, page, "A page of replies", errors=[404])
    @path_parameter(room_param, f"The {kind.label}'s id.")
    @path_parameter("message_id", "The message replied to.", MESSAGE_ID_SCHEMA)
    @authenticated
    @query_args(HistoryQuery)
    async def replies(request: Request, query: HistoryQuery, message_id: str, **path: str):
        messages, next_cursor = await thread_page(
            request.app.ctx.rooms[kind.name],
            parse_id(path[room_param], "id"),
            request.ctx.user.id,
            parse_message_id(message_id),
            query,
        )
        return json({"messages": messages, "nextCursor": next_cursor})

    return bp
