from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi

from sanic_chat import authenticated, json_body, query_args, responds
from sanic_chat.messages import EditMessage, HistoryQuery, SendMessage
from sanic_chat.openapi import path_parameter
from sanic_chat.validation import MESSAGE_ID_SCHEMA, parse_id, parse_message_id

from .schemas import (
    ConversationList,
    ConversationMessageOut,
    ConversationMessages,
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
_MESSAGE = {
    "conversation_id": "$response.body#/conversationId",
    "message_id": "$response.body#/id",
}
MESSAGE_LINKS = {
    "edit": {"operationId": "patch~conversation.edit", "parameters": _MESSAGE},
    "delete": {"operationId": "delete~conversation.delete", "parameters": _MESSAGE},
}
MESSAGE_ID = "The message's id."


def conversation_blueprint() -> Blueprint:
    bp = Blueprint("conversation", url_prefix="/api/conversation")

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

    @bp.post("/<conversation_id:str>/message")
    @openapi.definition(
        summary="Send a message",
        description="201 with the new message; 200 with the original when `clientId` was "
        "already used by you in this room (a retry); 409 when you used it in another room.",
        tag="conversation",
    )
    @responds(
        201,
        ConversationMessageOut,
        "Stored",
        errors=[*PARTICIPANT_ERRORS, 409],
        links=MESSAGE_LINKS,
    )
    @responds(
        200,
        ConversationMessageOut,
        "The message first stored with this `clientId`",
        links=MESSAGE_LINKS,
    )
    @path_parameter("conversation_id", ROOM_ID)
    @authenticated
    @json_body(SendMessage)
    async def send(request: Request, conversation_id: str, body: SendMessage):
        message, created = await conversations(request).send(
            parse_id(conversation_id, "id"), me(request), body.content, body.client_id
        )
        return json(message, status=201 if created else 200)

    @bp.get("/<conversation_id:str>/message")
    @openapi.definition(summary="Message history, newest first (cursor pages)", tag="conversation")
    @responds(200, ConversationMessages, "A page of messages", errors=PARTICIPANT_ERRORS)
    @path_parameter("conversation_id", ROOM_ID)
    @authenticated
    @query_args(HistoryQuery)
    async def history(request: Request, conversation_id: str, query: HistoryQuery):
        messages, next_cursor = await conversations(request).history(
            parse_id(conversation_id, "id"), me(request), query
        )
        return json({"messages": messages, "nextCursor": next_cursor})

    @bp.patch("/<conversation_id:str>/message/<message_id:str>")
    @openapi.definition(summary="Edit your message", tag="conversation")
    @responds(200, ConversationMessageOut, "Edited", errors=[*PARTICIPANT_ERRORS, 403, 409])
    @path_parameter("conversation_id", ROOM_ID)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    @json_body(EditMessage)
    async def edit(request: Request, conversation_id: str, message_id: str, body: EditMessage):
        message = await conversations(request).edit(
            parse_id(conversation_id, "id"),
            me(request),
            parse_message_id(message_id),
            body.content,
        )
        return json(message)

    @bp.delete("/<conversation_id:str>/message/<message_id:str>")
    @openapi.definition(
        summary="Delete your message",
        description="Leaves a tombstone: `deleted: true`, no content.",
        tag="conversation",
    )
    @responds(200, ConversationMessageOut, "The tombstone", errors=[*PARTICIPANT_ERRORS, 403])
    @path_parameter("conversation_id", ROOM_ID)
    @path_parameter("message_id", MESSAGE_ID, MESSAGE_ID_SCHEMA)
    @authenticated
    async def delete(request: Request, conversation_id: str, message_id: str):
        message = await conversations(request).delete(
            parse_id(conversation_id, "id"), me(request), parse_message_id(message_id)
        )
        return json(message)

    return bp
