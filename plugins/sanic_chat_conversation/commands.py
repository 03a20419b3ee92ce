"""WebSocket commands of the conversation plugin: the same service call as the REST route."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic_chat.gateway import CommandContext
from sanic_chat.messages import SendMessage
from sanic_chat.validation import parse


class SendConversationMessage(SendMessage):
    conversation_id: UUID


async def send_message(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    command = parse(SendConversationMessage, data, "data")
    message, _ = await context.app.ctx.conversations.send(
        command.conversation_id, context.user_id, command.content, command.client_id
    )
    return message


COMMANDS = {"conversation.message.send": send_message}
