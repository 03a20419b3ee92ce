"""Conversation payloads: request bodies, responses and WebSocket event data share these."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from sanic_chat.plugin import CamelModel, MessageContent, message_out
from sanic_chat_user.schemas import PublicUser

ConversationMessageOut = message_out("Conversation", "conversation_id")


class CreateConversation(CamelModel):
    recipient_id: UUID = Field(description="The other participant.")
    message: MessageContent | None = Field(None, description="An optional first message.")


class ConversationOut(CamelModel):
    id: UUID
    users: list[PublicUser] = Field(description="Both participants.")
    recipient: PublicUser = Field(description="The participant who is not you.")
    created_at: datetime
    last_activity_at: datetime
    last_message: ConversationMessageOut | None = None


class ConversationList(CamelModel):
    conversations: list[ConversationOut] = Field(description="Newest activity first.")
