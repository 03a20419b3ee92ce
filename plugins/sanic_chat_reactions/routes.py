"""REST: put and delete your reaction to a message, in every kind of room.

`PUT|DELETE <kind's prefix>/<room id>/message/<message id>/reactions/<emoji>`, beside the
kind's message routes (`/api/group/...`, `/api/conversation/...`, a plugin's kind's own).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, responds
from sanic_chat.plugin import (
    MESSAGE_ID_SCHEMA,
    RoomKind,
    parse,
    parse_id,
    parse_message_id,
    path_parameter,
)

from .schemas import EMOJI_DOC, MAX_EMOJI_CHARS, EmojiPath, MessageReactions
from .service import ADD, REMOVE, ReactionService

TOMBSTONE = "The message is deleted (`message_deleted`)."


def reactions_blueprint(kind: RoomKind) -> Blueprint:
    bp = Blueprint(f"{kind.name}_reactions", url_prefix=kind.url_prefix)
    room_param = kind.id_field
    # Emoji arrive percent-encoded; `unquote=True` on the routes decodes the segment.
    path = f"/<{room_param}:str>/message/<message_id:str>/reactions/<emoji:str>"
    errors = {404: "", 409: TOMBSTONE}

    async def react(request: Request, action: str, message_id: str, emoji: str, path: dict):
        service: ReactionService = request.app.ctx.reactions
        return await service.react(
            kind.name,
            parse_id(path[room_param], "id"),
            parse_message_id(message_id),
            request.ctx.user.id,
            parse(EmojiPath, {"emoji": emoji}, "path").emoji,
            action,
        )

    def documented(handler):
        handler = path_parameter(room_param, f"The {kind.label}'s id.")(handler)
        handler = path_parameter("message_id", "The message's id.", MESSAGE_ID_SCHEMA)(handler)
        schema = {"type": "string", "minLength": 1, "maxLength": MAX_EMOJI_CHARS}
        return path_parameter("emoji", EMOJI_DOC, schema)(handler)

    @bp.put(path, unquote=True)
    @openapi.definition(
        summary="React to a message",
        description="201 when your reaction is added; 200 when you had already reacted with "
        "this emoji (nothing changes). Members get a `<kind>.message.reaction` event.",
        tag="reactions",
    )
    @responds(201, MessageReactions, "Added", errors=errors)
    @responds(200, MessageReactions, "You had already reacted with it")
    @documented
    @authenticated
    async def add(request: Request, message_id: str, emoji: str, **path: str):
        reactions, added = await react(request, ADD, message_id, emoji, path)
        return json(reactions, status=201 if added else 200)

    @bp.delete(path, unquote=True)
    @openapi.definition(
        summary="Take back your reaction",
        description="200 whether or not you had reacted with this emoji; members get a "
        "`<kind>.message.reaction` event when a reaction goes.",
        tag="reactions",
    )
    @responds(200, MessageReactions, "The message's reactions now", errors=errors)
    @documented
    @authenticated
    async def remove(request: Request, message_id: str, emoji: str, **path: str):
        reactions, _ = await react(request, REMOVE, message_id, emoji, path)
        return json(reactions)

    return bp
