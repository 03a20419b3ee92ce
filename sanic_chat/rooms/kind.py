"""What a plugin says about a kind of room: its names, its members (as data) and its rules.

Everything else a room has (the message routes and their OpenAPI docs, the WebSocket send
command, typing, resume, presence contacts, idempotency, tombstones and events) the core builds
from this, the same for every kind.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise.expressions import Q, Subquery
from tortoise.models import Model

from ..errors import ChatError

if TYPE_CHECKING:
    from pydantic import BaseModel
    from sanic import Blueprint

    from ..messages import Message

# Names become SQL identifiers, URL segments and event names: plain lower-case words only.
_NAME = re.compile(r"[a-z][a-z0-9_]*")

# Who may change a message: `(message, user_id) -> bool`, or an awaitable of it.
MessageRule = Callable[["Message", UUID], bool | Awaitable[bool]]


def author_only(message: Message, user_id: UUID) -> bool:
    return message.author_id == user_id


def _identifier(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{what} must be a lower-case identifier, not {value!r}")
    return value


@dataclass(frozen=True)
class Members:
    """Who is in a room, as rows of `model`: a row's `room` column names the room, and each of
    its `users` columns one member.

    A membership table has one row per member (`Members(GroupMember, "group_id")`); a room
    whose row names its members has one row per room (`Members(Conversation, "id",
    ("user_a_id", "user_b_id"))`). The column names are the model's (a foreign key's `_id`
    attribute is its column); the core writes the SQL from them.
    """

    model: type[Model]
    room: str
    users: tuple[str, ...] = ("user_id",)

    def __post_init__(self) -> None:
        _identifier(self.room, "Members.room")
        if not self.users:
            raise ValueError("Members.users names at least one column")
        for column in self.users:
            _identifier(column, "Members.users")

    def sql(self) -> str:
        """A SELECT of the `user_id` of the members of room `{room}` (a placeholder)."""
        table = self.model._meta.db_table
        selects = [
            f"SELECT {column}{' AS user_id' if n == 0 and column != 'user_id' else ''}"
            f" FROM {table} WHERE {self.room} = {{room}}"
            for n, column in enumerate(self.users)
        ]
        return " UNION ALL ".join(selects)

    def rooms_sql(self) -> str:
        """A SELECT of the ids (as `room_id`) of the rooms user `{user}` (a placeholder) is in.

        One index lookup per `users` column: a membership table needs an index on its user
        column, as `group_members` and `conversations` have.
        """
        table = self.model._meta.db_table
        return " UNION ".join(
            f"SELECT {self.room} AS room_id FROM {table} WHERE {column} = {{user}}"
            for column in self.users
        )

    def rooms_of(self, user_id: UUID) -> Subquery:
        """The ids of the rooms `user_id` is in, as a subquery for the ORM."""
        return Subquery(self._rows_of(user_id).values(self.room))

    async def room_ids(self, user_id: UUID) -> list[UUID]:
        """The ids of the rooms `user_id` is in."""
        return list(await self._rows_of(user_id).values_list(self.room, flat=True))

    def _rows_of(self, user_id: UUID) -> Any:
        condition = Q(*(Q(**{column: user_id}) for column in self.users), join_type="OR")
        return self.model.filter(condition)

    async def contacts(self, user_id: UUID) -> set[UUID]:
        """Everyone who shares a room with `user_id` (themselves included)."""
        rows = await self.model.filter(**{f"{self.room}__in": self.rooms_of(user_id)}).values_list(
            *self.users
        )
        return {user for row in rows for user in row}


@dataclass(frozen=True)
class RoomKind:
    """A kind of room, as `chat_register_room_kinds` returns it.

    `name` names the kind everywhere unless told otherwise: the foreign key `message_model`
    holds to its room (`group` → column `group_id`), the URL prefix (`/api/group`), the events
    and commands (`group.message.create`, `group.message.send`) and the room's id field in
    payloads (`group_id`, `groupId` on the wire).

    - `members`: who is a member (see `Members`); a non-member is told the room is missing.
    - `missing_room`: the error for a room that does not exist, or is not the caller's to see.
    - `may_edit` / `may_delete`: who may change a member's message (default: its author).
    - `routes`: adds the kind's own routes (create, list, ...) to its blueprint, beside the
      message routes; `delete_summary` documents who may delete.
    - `summary_schema`: the model of a room in the kind's lists, which the OpenAPI document
      shows with the fields plugins add to summaries (`chat_register_summary_fields`).
    """

    name: str
    message_model: type[Message]
    members: Members
    missing_room: Callable[[], ChatError]
    may_edit: MessageRule = author_only
    may_delete: MessageRule = author_only
    routes: Callable[[Blueprint], Any] | None = None
    url_prefix: str = ""
    event_prefix: str = ""
    id_field: str = ""
    room_field: str = ""
    label: str = ""
    delete_summary: str = "Delete your message"
    summary_schema: type[BaseModel] | None = None
    # Names a Python class would have (`Group` → `GroupMessageOut`); from `name` by default.
    schema_prefix: str = field(default="")

    def __post_init__(self) -> None:
        _identifier(self.name, "RoomKind.name")
        defaults = {
            "url_prefix": f"/api/{self.name}",
            "event_prefix": self.name,
            "id_field": f"{self.name}_id",
            "room_field": self.name,
            "label": self.name.replace("_", " "),
            "schema_prefix": "".join(part.title() for part in self.name.split("_")),
        }
        for attribute, default in defaults.items():
            if not getattr(self, attribute):
                object.__setattr__(self, attribute, default)
        _identifier(self.id_field, "RoomKind.id_field")
        _identifier(self.room_field, "RoomKind.room_field")

    @property
    def room_column(self) -> str:
        """The message table's column holding the room's id."""
        return f"{self.room_field}_id"

    @cached_property
    def id_key(self) -> str:
        """The room's id field as clients write it (`groupId`)."""
        head, *rest = self.id_field.split("_")
        return head + "".join(part.title() for part in rest)
