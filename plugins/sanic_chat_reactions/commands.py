"""WebSocket commands: `reaction.add` and `reaction.remove`, the same calls as the REST routes.

`{"type": "reaction.add", "data": {"groupId": "...", "messageId": 7, "emoji": "👍"}}`: the room
is named by its kind's id field (`groupId`, `conversationId`, a plugin's kind's own), exactly
one of them. The ack carries the message's reactions as the REST answer does.
"""

from __future__ import annotations

from typing import Any

from sanic_chat import ValidationFailed
from sanic_chat.plugin import CommandContext, RoomKind, parse

from .schemas import reaction_command
from .service import ADD, REMOVE, ReactionService


def _kind_named_in(context: CommandContext, data: dict[str, Any]) -> RoomKind:
    kinds = [room.kind for room in context.app.ctx.rooms]
    named = [kind for kind in kinds if kind.id_key in data]
    if len(named) != 1:
        keys = " or ".join(kind.id_key for kind in kinds)
        raise ValidationFailed(
            "The command data is invalid.",
            errors=[{"field": "data", "message": f"give exactly one of {keys}"}],
        )
    return named[0]


def _command(action: str):
    async def handler(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
        kind = _kind_named_in(context, data)
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
