"""WebSocket commands of the group plugin: the same service call as the REST route."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic_chat.gateway import CommandContext
from sanic_chat.messages import SendMessage
from sanic_chat.validation import parse


class SendGroupMessage(SendMessage):
    group_id: UUID


async def send_message(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    command = parse(SendGroupMessage, data, "data")
    message, _ = await context.app.ctx.groups.send(
        command.group_id, context.user_id, command.content, command.client_id
    )
    return message


COMMANDS = {"group.message.send": send_message}
