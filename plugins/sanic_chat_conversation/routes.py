from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, json_body, responds
from sanic_chat.plugin import parse_id, path_parameter

from .schemas import (
    ConversationList,
    ConversationOut,
    CreateConversation,
)
from .service import ConversationService

# 401, 422 and the rest are implied by the decorators below `responds`: these are the rooms' own.
PARTICIPANT_ERRORS = [404]
ROOM_ID = "The conversation's id."
# Where a response's ids lead (OpenAPI links: clients and schema-driven tests follow them).
_CONVERSATION = {"conversation_id": "$response.body#/id"}
CONVERSATION_LINKS = {
    "get": {"operationId": "get~conversation.get", "parameters": _CONVERSATION},
    "send": {"operationId": "post~conversation.send", "parameters": _CONVERSATION},
    "history": {"operationId": "get~conversation.history", "parameters": _CONVERSATION},
}


def add_conversation_routes(bp: Blueprint) -> None:
    """The conversation's own routes, on the blueprint of its kind of room."""

    def conversations(request: Request) -> ConversationService:
        return request.app.ctx.conversations

    def me(request: Request):
        return request.ctx.user.id

    @bp.post("/", strict_slashes=False)
    @openapi.definition(
        summary="Start (or find) the conversation with a user",
        description="201 when created; 200 with the existing conversation of the pair.",
        tag="conversation",
    )
    @responds(
        201, ConversationOut, "Created", errors={404: "No such user"}, links=CONVERSATION_LINKS
    )
    @responds(
        200, ConversationOut, "The existing conversation of the pair", links=CONVERSATION_LINKS
    )
    @authenticated
    @json_body(CreateConversation)
    async def create(request: Request, body: CreateConversation):
        view, created = await conversations(request).open(
            me(request), body.recipient_id, body.message
        )
        return json(view, status=201 if created else 200)

    @bp.get("/", strict_slashes=False)
    @openapi.definition(summary="My conversations, newest activity first", tag="conversation")
    @responds(200, ConversationList, "Your conversations")
    @authenticated
    async def list_mine(request: Request):
        return json({"conversations": await conversations(request).list_for(me(request))})

    @bp.get("/<conversation_id:str>")
    @openapi.definition(summary="A conversation", tag="conversation")
    @responds(200, ConversationOut, "The conversation", errors=PARTICIPANT_ERRORS)
    @path_parameter("conversation_id", ROOM_ID)
    @authenticated
    async def get(request: Request, conversation_id: str):
        return json(await conversations(request).get(parse_id(conversation_id, "id"), me(request)))
