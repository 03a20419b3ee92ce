"""Read-state payloads: the REST body, the command's data, the state and the receipt.

Each kind of room gets its own classes, with the room's id field (`groupId`, ...), built once
per kind as the core builds its message payloads.
"""

from __future__ import annotations

from functools import cache
from uuid import UUID

from pydantic import ConfigDict, Field, create_model

from sanic_chat.plugin import LAST_ID, CamelModel

MessageId = (int, Field(ge=1, le=LAST_ID, description="A message of the room."))


class MarkRead(CamelModel):
    """Read the room up to (and including) this message."""

    message_id: int = Field(ge=1, le=LAST_ID, description="A message of the room.")


class ReadFields(CamelModel):
    """What a room's summary gains: in room lists, `ready` and the reader's own events."""

    unread_count: int = Field(
        description="Messages after `lastReadMessageId`, neither yours nor deleted."
    )
    last_read_message_id: int | None = Field(description="Null until you read anything.")


# The same two fields on every room of a list, as the OpenAPI document shows them.
SUMMARY_FIELDS = {
    "unread_count": (
        int,
        Field(
            0,
            description="In room lists: messages after `lastReadMessageId`, neither yours "
            "nor deleted.",
        ),
    ),
    "last_read_message_id": (
        int | None,
        Field(
            None,
            description="In room lists: the newest message you have read; null until "
            "you read anything.",
        ),
    ),
}


class ReadState(ReadFields):
    as_of: str = Field(
        description="The cursor up to which `unreadCount` is exact: message events with a "
        "larger cursor are not in it."
    )


class RoomReadState(ReadFields):
    """One room in `readState`, with its kind's id field (`groupId`, `conversationId`, ...)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="The kind of room: `group`, `conversation`, ...")


class AllReadStates(CamelModel):
    """`readState` in `ready`, and `GET /api/read-state`."""

    as_of: str = Field(
        description="The cursor up to which every `unreadCount` is exact: message events with "
        "a larger cursor are not in them (a resume's replayed events are)."
    )
    rooms: list[RoomReadState] = Field(description="Every room you are in.")


@cache
def read_state_out(schema_prefix: str, id_field: str) -> type[ReadState]:
    """The reader's position in a room (`GroupReadState`): the ack, the REST answer and the
    data of `<kind>.read.update`."""
    return create_model(f"{schema_prefix}ReadState", __base__=ReadState, **{id_field: (UUID, ...)})


@cache
def receipt_out(schema_prefix: str, id_field: str) -> type[CamelModel]:
    """Another member read the room up to `messageId` (`<kind>.receipt.update`)."""
    return create_model(
        f"{schema_prefix}Receipt",
        __base__=CamelModel,
        user_id=(UUID, ...),
        message_id=MessageId,
        **{id_field: (UUID, ...)},
    )


@cache
def mark_command(schema_prefix: str, id_field: str) -> type[MarkRead]:
    """The data of `<kind>.read.mark`: the body of the REST route and the room."""
    return create_model(f"Mark{schema_prefix}Read", __base__=MarkRead, **{id_field: (UUID, ...)})
