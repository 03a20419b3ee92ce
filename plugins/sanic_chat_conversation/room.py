"""Conversations as a kind of room: a conversation's row names its two members."""

from __future__ import annotations

from sanic_chat.plugin import Members, RoomKind

from .models import Conversation, ConversationMessage
from .routes import add_conversation_routes
from .schemas import ConversationOut
from .service import missing_conversation

CONVERSATION = RoomKind(
    name="conversation",
    message_model=ConversationMessage,
    members=Members(Conversation, room="id", users=("user_a_id", "user_b_id")),
    missing_room=missing_conversation,
    routes=add_conversation_routes,
    summary_schema=ConversationOut,
)
