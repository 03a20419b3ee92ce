"""The WebSocket commands of rooms: each kind's send command, and `typing` for every kind."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, create_model, model_validator
from pydantic.alias_generators import to_camel

from ..awaitables import first_answer
from ..commands import CommandContext, CommandHandler
from ..errors import NotFound, ValidationFailed
from ..events import Event
from ..messages.payloads import SendMessage
from ..validation import parse
from .kind import RoomKind


def send_command(kind: RoomKind, payload: type[SendMessage]) -> CommandHandler:
    """`<kind>.message.send`: the same call as the REST send route.

    `payload` is the kind's command data in this app, the plugins' send fields included.
    """

    async def send_message(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
        command = parse(payload, data, "data")
        try:
            message, _ = await context.app.ctx.rooms[kind.name].send(
                getattr(command, kind.id_field),
                context.user_id,
                command.content,
                command.client_id,
                context.app.ctx.message_fields.send_values(command),
            )
        except ValidationFailed as error:
            raise in_command_data(error) from None
        return message

    return send_message


def in_command_data(error: ValidationFailed) -> ValidationFailed:
    """`error` with the fields a plugin named in the REST body (`body.replyTo`) named where a
    command carries them (`data.replyTo`): the checks of send fields are the transports'."""
    for field_error in error.errors or ():
        if field_error.get("field", "").startswith("body."):
            field_error["field"] = "data." + field_error["field"].removeprefix("body.")
    return error


class _OneRoom(BaseModel):
    """Names exactly one room, by the id field of its kind (`groupId`, `conversationId`)."""

    model_config = ConfigDict(alias_generator=to_camel)

    @model_validator(mode="after")
    def _one_room(self) -> _OneRoom:
        named = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(named) != 1:
            keys = [field.alias or name for name, field in type(self).model_fields.items()]
            listed = " or ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
            raise ValueError(f"give exactly one of {listed}")
        return self


def one_room_payload(kinds: list[RoomKind]) -> type[_OneRoom]:
    """Command data naming one room: one optional id field per kind, exactly one of them
    given (`typing`'s data, and any plugin command that works in every kind of room)."""
    fields: dict[str, Any] = {kind.id_field: (UUID | None, None) for kind in kinds}
    return create_model("TypingCommand", __base__=_OneRoom, **fields)


async def typing(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    """Relay "is typing" to the room's other members. Not stored, not replayed."""
    room, room_id = context.app.ctx.rooms.named_in(data)
    kind = room.kind
    members = await first_answer(
        context.app.ctx.plugins.hook.chat_room_members(
            app=context.app, room_type=kind.name, room_id=str(room_id), user_id=context.user_id
        )
    )
    if members is None:
        raise NotFound(f"No such {kind.label}.", code=f"{kind.name}_not_found")
    event = Event(
        "typing",
        {"userId": str(context.user_id), kind.id_key: str(room_id)},
        frozenset(members) - {context.user_id},
    )
    await context.app.ctx.events.publish(event)
    return {}
