"""What a message is in storage: the fields every kind of message has, and a draft."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python
from tortoise import fields
from tortoise.models import Model

from ..jsoncodec import loads


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

    class Meta:
        abstract = True


def changed_ids(ids_and_cursors: Iterable[tuple[int, int]]) -> frozenset[int]:
    """The ids of the messages changed since they were stored, from `(id, seq)` pairs.

    A message is stored with its cursor equal to its id (both are its position in the one
    order); every later change (an edit, a delete, an amendment, a republish) takes a newer
    position, so a message whose cursor is still its id is exactly as it was sent.
    """
    return frozenset(message_id for message_id, seq in ids_and_cursors if seq != message_id)


# A message's `sent_fields` as plugins see them: the values by snake_case name, or None when the
# message was stored before they were kept (nothing is known of them then).
SentFields = dict[str, Any] | None


def sent_fields_by_id(
    ids_and_values: Iterable[tuple[int, str | dict[str, Any] | None]],
) -> dict[int, SentFields]:
    """Messages' stored `sent_fields` by id, from `(id, sent_fields)` pairs: decoded by the ORM,
    or JSON text in a plain row."""
    return {
        message_id: loads(value) if isinstance(value, str) else value
        for message_id, value in ids_and_values
    }


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
