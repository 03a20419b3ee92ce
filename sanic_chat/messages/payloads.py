"""Message payloads: what clients send and receive, shared by REST routes and commands."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

from ..schemas import NOT_BLANK, CamelModel, at_most
from .ordering import LAST_ID

if TYPE_CHECKING:
    from .fields import MessageFields

MAX_CONTENT_CHARS = 4000
DEFAULT_PAGE = 50
MAX_PAGE = 100

# What draws nothing: controls, format characters (zero-width spaces and joiners, U+2060,
# U+FEFF, ...), separators, combining marks without a base, and letters that render blank.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def _something_visible(content: str) -> str:
    if all(
        char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in content
    ):
        raise ValueError("Content must contain at least one visible character")
    return content


MessageContent = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CONTENT_CHARS),
    at_most(MAX_CONTENT_CHARS),
    AfterValidator(_something_visible),
    Field(
        description=f"Text, 1-{MAX_CONTENT_CHARS} characters after trimming, at least one of "
        "them visible.",
        json_schema_extra={"pattern": NOT_BLANK},
    ),
]


class MessageAuthor(CamelModel):
    id: UUID
    username: str


class MessageOut(CamelModel):
    """A message as clients see it. A deleted one keeps its place with `deleted: true`.

    Fields plugins add (`chat_register_view_fields`) are kept by any schema that nests a
    message (a room list's last message), declared or not.
    """

    model_config = ConfigDict(extra="allow")

    id: int = Field(description="Increasing within a room: the room's order.")
    author: MessageAuthor
    content: str | None = Field(description="Null when deleted.")
    client_id: UUID | None = None
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False


class SendMessage(CamelModel):
    content: MessageContent
    client_id: UUID | None = Field(
        None,
        description="Chosen by the client. Retrying with the same clientId returns the "
        "original message instead of storing a second one.",
    )


class EditMessage(CamelModel):
    content: MessageContent


class HistoryQuery(CamelModel):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"1-{MAX_PAGE}.")
    # Bounded to the ids there can be: PostgreSQL refuses a larger bigint (a 500, not a page).
    before: int | None = Field(
        None, ge=0, le=LAST_ID, description="Only messages older than this id; not with `after`."
    )
    after: int | None = Field(
        None, ge=0, le=LAST_ID, description="Only messages newer than this id; not with `before`."
    )

    @model_validator(mode="after")
    def _one_direction(self) -> HistoryQuery:
        if self.before is not None and self.after is not None:
            raise ValueError("give at most one of before and after")
        return self


# The payloads of one kind of room: the ones above with the room's id field added. Built once
# per kind's names, so a plugin's own schemas (a room summary with its last message) and the
# core's routes refer to the same class, and OpenAPI documents it once.


@cache
def message_out(schema_prefix: str, id_field: str) -> type[MessageOut]:
    """A message of this kind as clients see it (`GroupMessageOut`: with `groupId`)."""
    return create_model(
        f"{schema_prefix}MessageOut", __base__=MessageOut, **{id_field: (UUID, ...)}
    )


@cache
def message_page(schema_prefix: str, id_field: str) -> type[CamelModel]:
    """A page of history (`GroupMessages`)."""
    return _page_of(f"{schema_prefix}Messages", message_out(schema_prefix, id_field))


def _page_of(name: str, out: type[MessageOut]) -> type[CamelModel]:
    return create_model(
        name,
        __base__=CamelModel,
        messages=(list[out], Field(description="Newest first.")),
        next_cursor=(int | None, Field(description="Pass as `before` for older messages.")),
    )


@cache
def send_command(schema_prefix: str, id_field: str) -> type[SendMessage]:
    """The data of the WebSocket send command: a message and the room it goes to."""
    return create_model(
        f"Send{schema_prefix}Message", __base__=SendMessage, **{id_field: (UUID, ...)}
    )


# The same, with the fields the plugins of one app add (`fields.MessageFields`). Without any,
# the classes above; with some, subclasses of the same names, so the OpenAPI document of the
# app's routes shows them under the names clients know.


@dataclass(frozen=True)
class KindPayloads:
    """The payloads of one kind of room in one app."""

    out: type[MessageOut]  # `GroupMessageOut`
    page: type[CamelModel]  # `GroupMessages`
    send: type[SendMessage]  # the REST send body (`SendMessage`, one for every kind)
    command: type[SendMessage]  # the WebSocket send command's data (`SendGroupMessage`)


def kind_payloads(schema_prefix: str, id_field: str, fields: MessageFields) -> KindPayloads:
    out = message_out(schema_prefix, id_field)
    page = message_page(schema_prefix, id_field)
    if fields.view:
        out = create_model(out.__name__, __base__=out, **fields.definitions("view"))
        page = _page_of(page.__name__, out)
    send: type[SendMessage] = SendMessage
    command = send_command(schema_prefix, id_field)
    if fields.send:
        send = create_model(send.__name__, __base__=send, **fields.definitions("send"))
        command = create_model(command.__name__, __base__=command, **fields.definitions("send"))
    return KindPayloads(out, page, send, command)
