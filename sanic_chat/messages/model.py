"""What a message is in storage: the fields every kind of message has, and a draft."""

from __future__ import annotations

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
