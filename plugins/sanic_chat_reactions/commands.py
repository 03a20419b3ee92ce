"""WebSocket commands: `reaction.add` and `reaction.remove`, the same calls as the REST routes.

`{"type": "reaction.add", "data": {"groupId": "...", "messageId": 7, "emoji": "👍"}}`: the room
is named by its kind's id field (`groupId`, `conversationId`, a plugin's kind's own), exactly
one of them. The ack carries the message's reactions as the REST answer does.
"""

from __future__ import annotations

from typing import Any

from sanic_chat.plugin import CommandContext, parse

from .schemas import reaction_command
from .service import ADD, REMOVE, ReactionService


def _command(action: str):
    async def handler(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
        room, _ = context.app.ctx.rooms.named_in(data)
        kind = room.kind
        command = parse(reaction_command(kind.schema_prefix, kind.id_field), data, "data")
        service: ReactionService = context.app.ctx.reactions
        reactions, _ = await service.react(
            kind.name,
            getattr(command, kind.id_field),
            command.message_id,
            context.user_id,
            command.emoji,
            action,
        )
        return reactions

    return handler


COMMANDS = {"reaction.add": _command(ADD), "reaction.remove": _command(REMOVE)}
