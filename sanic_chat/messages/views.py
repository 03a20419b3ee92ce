"""Messages as clients see them: from a model instance, a history row or a new message's parts.

A deleted message keeps its place as a tombstone: no content, `deleted: true`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from .model import Message
from .payloads import MessageOut


class MessageViews:
    """The views of one kind of room's messages, with the room's id under `id_field`.

    `out` is the kind's `MessageOut` in this app: the plugins' view fields hold their defaults
    until `chat_fill_message_views` sets them (see `fields.ViewFiller`).
    """

    def __init__(self, room_column: str, id_field: str, out: type[MessageOut]) -> None:
        self._room_key = room_column
        self._id_field = id_field
        self._out = out

    def of_message(self, message: Message) -> dict[str, Any]:
        return self.of_parts(
            message.id,
            getattr(message, self._room_key),
            message.author.id,
            message.author.username,
            message.content,
            message.client_id,
            message.created_at,
            message.edited_at,
            message.deleted_at,
        )

    def of_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row of `page_statement`."""
        return self.of_parts(
            row["id"],
            row["room_id"],
            row["author_id"],
            row["author_name"],
            row["content"],
            row["client_id"],
            row["created_at"],
            row["edited_at"],
            row["deleted_at"],
        )

    def of_parts(
        self,
        message_id: int,
        room_id: UUID,
        author_id: UUID,
        author_name: str,
        content: str | None,
        client_id: UUID | None,
        created_at: datetime,
        edited_at: datetime | None = None,
        deleted_at: datetime | None = None,
    ) -> dict[str, Any]:
        """A message as clients see it, from its parts: a new one needs no model instance.

        A deleted one keeps its place as a tombstone: no content, `deleted: true`.
        """
        deleted = deleted_at is not None
        return self._out.model_validate(
            {
                "id": message_id,
                self._id_field: room_id,
                "author": {"id": author_id, "username": author_name},
                "content": None if deleted else content,
                "client_id": client_id,
                "created_at": created_at,
                "edited_at": edited_at,
                "deleted": deleted,
            }
        ).dump()
