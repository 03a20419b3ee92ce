from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, json_body, responds
from sanic_chat.plugin import parse_id, path_parameter

from .schemas import (
    CreateGroup,
    EditGroup,
    GroupDetail,
    GroupList,
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


def add_group_routes(bp: Blueprint) -> None:
    """The group's own routes, on the blueprint of its kind of room (beside its messages)."""

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
