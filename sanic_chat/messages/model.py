"""What a message is in storage: the fields every kind of message has, and a draft."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model


class Message(Model):
    """Fields every kind of message has. Subclasses add the room foreign key."""

    id = fields.BigIntField(primary_key=True, generated=False)
    seq = fields.BigIntField(db_index=True, description="Cursor of the latest change.")
    author = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    content = fields.TextField(null=True, description="NULL once deleted (a tombstone).")
    client_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        abstract = True


def changed_ids(ids_and_cursors: Iterable[tuple[int, int]]) -> frozenset[int]:
    """The ids of the messages changed since they were stored, from `(id, seq)` pairs.

    A message is stored with its cursor equal to its id (both are its position in the one
    order); every later change (an edit, a delete, an amendment, a republish) takes a newer
    position, so a message whose cursor is still its id is exactly as it was sent.
    """
    return frozenset(message_id for message_id, seq in ids_and_cursors if seq != message_id)


@dataclass
class MessageDraft:
    """A message about to be stored, as `chat_before_message_stored` sees it.

    `extra` holds the values of the plugins' send fields (`chat_register_send_fields`), by
    snake_case name, every declared field present (its default when the sender left it out).
    """

    author_id: UUID
    room_type: str
    room_id: UUID
    content: str
    client_id: UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)
