"""The message routes of a kind of room: send, history, edit, delete, with their OpenAPI docs.

A route authenticates, validates, calls the kind's `Room` and serialises; the rules are the
room's (membership) and the kind's (who may edit or delete).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from ..messages import EditMessage, HistoryQuery
from ..openapi import path_parameter, register_schema, responds
from ..security import authenticated
from ..validation import MESSAGE_ID_SCHEMA, json_body, parse_id, parse_message_id, query_args

if TYPE_CHECKING:
    from ..messages.payloads import KindPayloads
    from .kind import RoomKind
    from .registry import Room

MESSAGE_ID = "The message's id."
# 401, 422 and the rest are implied by the decorators below `responds`: these are the rooms' own.
MEMBER_ERRORS = [404]


def room_blueprint(kind: RoomKind, payloads: KindPayloads) -> Blueprint:
    """The kind's blueprint: its own routes (`kind.routes`) and the message routes."""
    bp = Blueprint(kind.name, url_prefix=kind.url_prefix)
    if kind.routes is not None:
        kind.routes(bp)
    add_message_routes(bp, kind, payloads)
    return bp


def add_message_routes(bp: Blueprint, kind: RoomKind, payloads: KindPayloads) -> None:
    out, page, send_body = payloads.out, payloads.page, payloads.send
    # This app's payloads carry its plugins' fields: the document shows them under the names
    # any other schema refers to (a room list's `GroupMessageOut`), whatever registered first.
    for model in (out, page, send_body):
        register_schema(model)
    room_param, room_id_doc = kind.id_field, f"The {kind.label}'s id."
    room_path = f"/<{room_param}:str>/message"
    message_path = f"{room_path}/<message_id:str>"
    # Where a message's ids lead (OpenAPI links: clients and schema-driven tests follow them).
    ids = {room_param: f"$response.body#/{kind.id_key}", "message_id": "$response.body#/id"}
    links = {
        "edit": {"operationId": f"patch~{kind.name}.edit", "parameters": ids},
        "delete": {"operationId": f"delete~{kind.name}.delete", "parameters": ids},
    }

    def room(request: Request) -> Room:
        return request.app.ctx.rooms[kind.name]

    def room_id(path: dict[str, str]):
        return parse_id(path[room_param], "id")

    @bp.post(room_path)
    @openapi.definition(
        summary="Send a message",
        description="201 with the new message; 200 with the original when `clientId` was "
        "already used by you in this room (a retry); 409 when you used it in another room.",
        tag=kind.name,
    )
    @responds(201, out, "Stored", errors=[*MEMBER_ERRORS, 409], links=links)
    @responds(200, out, "The message first stored with this `clientId`", links=links)
    @path_parameter(room_param, room_id_doc)
    @authenticated
    @json_body(send_body)
    async def send(request: Request, body: Any, **path: str):
        message, created = await room(request).send(
            room_id(path),
            request.ctx.user.id,
            body.content,
            body.client_id,
            request.app.ctx.message_fields.send_values(body),
        )
        return json(message, status=201 if created else 200)

    @bp.get(room_path)
    @openapi.definition(summary="Message history, newest first (cursor pages)", tag=kind.name)
    @responds(200, page, "A page of messages", errors=MEMBER_ERRORS)
    @path_parameter(room_param, room_id_doc)
    @authenticated
    @query_args(HistoryQuery)
    async def history(request: Request, query: HistoryQuery, **path: str):
        messages, next_cursor = await room(request).history(
            room_id(path), request.ctx.user.id, query
        )
        return json({"messages": messages, "nextCursor": next_cursor})

    @bp.patch(message_path)
    @openapi.definition(summary="Edit your message", tag=kind.name)
    @responds(200, out, "Edited", errors=[403, *MEMBER_ERRORS, 409])
    @path_parameter(room_param, room_id_doc)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    @json_body(EditMessage)
    async def edit(request: Request, body: EditMessage, message_id: str, **path: str):
        message = await room(request).edit(
            room_id(path), request.ctx.user.id, parse_message_id(message_id), body.content
        )
        return json(message)

    @bp.delete(message_path)
    @openapi.definition(
        summary=kind.delete_summary,
        description="Leaves a tombstone: `deleted: true`, no content.",
        tag=kind.name,
    )
    @responds(200, out, "The tombstone", errors=[403, *MEMBER_ERRORS])
    @path_parameter(room_param, room_id_doc)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    async def delete(request: Request, message_id: str, **path: str):
        message = await room(request).delete(
            room_id(path), request.ctx.user.id, parse_message_id(message_id)
        )
        return json(message)
