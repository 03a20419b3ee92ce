"""What a message is in storage: the fields every kind of message has, and a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python
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
    sent_fields = fields.JSONField(
        null=True,
        description="The plugins' send fields it was sent with, those not at their default"
        " ({} when none); NULL when stored before they were kept.",
    )
    amended_by = fields.JSONField(
        null=True,
        description="The plugins whose amendments or republishes changed it (a list, written"
        " by its first change); NULL until then, or when changed before it was kept.",
    )

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

    def sent_fields(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """What is stored of `extra`: the fields not at their default, JSON-ready."""
        return to_jsonable_python(
            {name: value for name, value in self.extra.items() if value != defaults.get(name)}
        )
