"""`<kind>.read.mark`: the WebSocket twin of `POST <room>/read`."""

from __future__ import annotations

from typing import Any

from sanic_chat.plugin import RoomKind, parse

from .schemas import mark_command


def mark_commands(rooms) -> dict[str, Any]:
    return {f"{room.kind.event_prefix}.read.mark": mark_handler(room.kind) for room in rooms}


def mark_handler(kind: RoomKind) -> Any:
    payload = mark_command(kind.schema_prefix, kind.id_field)

    async def mark_read(context: Any, data: dict[str, Any]) -> dict[str, Any]:
        command = parse(payload, data, "data")
        return await context.app.ctx.read_state.mark(
            kind, getattr(command, kind.id_field), context.user_id, command.message_id
        )

    return mark_read
