from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, json_body, query_args, responds
from sanic_chat.messages import EditMessage, HistoryQuery, SendMessage
from sanic_chat.openapi import path_parameter
from sanic_chat.validation import MESSAGE_ID_SCHEMA, parse_id, parse_message_id

from .schemas import (
    CreateGroup,
    EditGroup,
    GroupDetail,
    GroupList,
    GroupMessageOut,
    GroupMessages,
    MembershipChange,
    Recipient,
    TransferOwnership,
)
from .service import GroupService

# 401, 422 and the rest are implied by the decorators below `responds`: these are the rooms' own.
MEMBER_ERRORS = [404]
OWNER_ERRORS = [403, 404]
ROOM_ID = "The group's id."
# Where a response's ids lead (OpenAPI links: clients and schema-driven tests follow them).
_GROUP = {"group_id": "$response.body#/id"}
GROUP_LINKS = {
    "get": {"operationId": "get~group.get", "parameters": _GROUP},
    "send": {"operationId": "post~group.send", "parameters": _GROUP},
    "history": {"operationId": "get~group.history", "parameters": _GROUP},
    "rename": {"operationId": "patch~group.update", "parameters": _GROUP},
}
_MESSAGE = {"group_id": "$response.body#/groupId", "message_id": "$response.body#/id"}
MESSAGE_LINKS = {
    "edit": {"operationId": "patch~group.edit", "parameters": _MESSAGE},
    "delete": {"operationId": "delete~group.delete", "parameters": _MESSAGE},
}
MESSAGE_ID = "The message's id."


def group_blueprint() -> Blueprint:
    bp = Blueprint("group", url_prefix="/api/group")

    def groups(request: Request) -> GroupService:
        return request.app.ctx.groups

    def me(request: Request):
        return request.ctx.user.id

    @bp.post("/", strict_slashes=False)
    @openapi.definition(summary="Create a group", tag="group")
    @responds(201, GroupDetail, "The new group", links=GROUP_LINKS)
    @authenticated
    @json_body(CreateGroup)
    async def create(request: Request, body: CreateGroup):
        detail = await groups(request).create(me(request), body.title, body.users, body.message)
        return json(detail, status=201)

    @bp.get("/", strict_slashes=False)
    @openapi.definition(summary="My groups, newest activity first", tag="group")
    @responds(200, GroupList, "The groups you are in")
    @authenticated
    async def list_mine(request: Request):
        return json({"groups": await groups(request).list_for(me(request))})

    @bp.get("/<group_id:str>")
    @openapi.definition(summary="A group with its members", tag="group")
    @responds(200, GroupDetail, "The group", errors=MEMBER_ERRORS)
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    async def get(request: Request, group_id: str):
        return json(await groups(request).get(parse_id(group_id, "id"), me(request)))

    @bp.patch("/<group_id:str>")
    @openapi.definition(summary="Rename a group (owner)", tag="group")
    @responds(200, GroupDetail, "The group", errors=OWNER_ERRORS)
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @json_body(EditGroup)
    async def update(request: Request, group_id: str, body: EditGroup):
        group = parse_id(group_id, "id")
        return json(await groups(request).rename(group, me(request), body.title))

    @bp.patch("/<group_id:str>/owner")
    @openapi.definition(summary="Hand ownership to another member (owner)", tag="group")
    @responds(200, GroupDetail, "The group", errors=OWNER_ERRORS)
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @json_body(TransferOwnership)
    async def transfer(request: Request, group_id: str, body: TransferOwnership):
        group = parse_id(group_id, "id")
        return json(await groups(request).transfer(group, me(request), body.new_owner_id))

    @bp.delete("/<group_id:str>/leave")
    @openapi.definition(
        summary="Leave a group",
        description="The owner must transfer ownership first, unless they are the last "
        "member: then the group is deleted.",
        tag="group",
    )
    @responds(200, MembershipChange, "You left", errors=[404, 409])
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    async def leave(request: Request, group_id: str):
        return json(await groups(request).leave(parse_id(group_id, "id"), me(request)))

    @bp.post("/<group_id:str>/recipient")
    @openapi.definition(summary="Add a member (owner)", tag="group")
    @responds(201, MembershipChange, "Added", errors=[*OWNER_ERRORS, 409])
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @json_body(Recipient)
    async def add_member(request: Request, group_id: str, body: Recipient):
        group = parse_id(group_id, "id")
        change = await groups(request).add_member(group, me(request), body.recipient_id)
        return json(change, status=201)

    @bp.delete("/<group_id:str>/recipient")
    @openapi.definition(summary="Remove a member (owner)", tag="group")
    @responds(200, MembershipChange, "Removed", errors=[*OWNER_ERRORS, 409])
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @json_body(Recipient)
    async def remove_member(request: Request, group_id: str, body: Recipient):
        group = parse_id(group_id, "id")
        return json(await groups(request).remove_member(group, me(request), body.recipient_id))

    @bp.post("/<group_id:str>/message")
    @openapi.definition(
        summary="Send a message",
        description="201 with the new message; 200 with the original when `clientId` was "
        "already used by you in this room (a retry); 409 when you used it in another room.",
        tag="group",
    )
    @responds(201, GroupMessageOut, "Stored", errors=[*MEMBER_ERRORS, 409], links=MESSAGE_LINKS)
    @responds(
        200, GroupMessageOut, "The message first stored with this `clientId`", links=MESSAGE_LINKS
    )
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @json_body(SendMessage)
    async def send(request: Request, group_id: str, body: SendMessage):
        message, created = await groups(request).send(
            parse_id(group_id, "id"), me(request), body.content, body.client_id
        )
        return json(message, status=201 if created else 200)

    @bp.get("/<group_id:str>/message")
    @openapi.definition(summary="Message history, newest first (cursor pages)", tag="group")
    @responds(200, GroupMessages, "A page of messages", errors=MEMBER_ERRORS)
    @path_parameter("group_id", ROOM_ID)
    @authenticated
    @query_args(HistoryQuery)
    async def history(request: Request, group_id: str, query: HistoryQuery):
        messages, next_cursor = await groups(request).history(
            parse_id(group_id, "id"), me(request), query
        )
        return json({"messages": messages, "nextCursor": next_cursor})

    @bp.patch("/<group_id:str>/message/<message_id:str>")
    @openapi.definition(summary="Edit your message", tag="group")
    @responds(200, GroupMessageOut, "Edited", errors=[*OWNER_ERRORS, 409])
    @path_parameter("group_id", ROOM_ID)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    @json_body(EditMessage)
    async def edit(request: Request, group_id: str, message_id: str, body: EditMessage):
        message = await groups(request).edit(
            parse_id(group_id, "id"), me(request), parse_message_id(message_id), body.content
        )
        return json(message)

    @bp.delete("/<group_id:str>/message/<message_id:str>")
    @openapi.definition(
        summary="Delete a message (author or owner)",
        description="Leaves a tombstone: `deleted: true`, no content.",
        tag="group",
    )
    @responds(200, GroupMessageOut, "The tombstone", errors=OWNER_ERRORS)
    @path_parameter("group_id", ROOM_ID)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    async def delete(request: Request, group_id: str, message_id: str):
        message = await groups(request).delete(
            parse_id(group_id, "id"), me(request), parse_message_id(message_id)
        )
        return json(message)

    return bp
