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
    amended_by = fields.JSONField(
        null=True,
        description="The plugins whose amendments or republishes changed it (a list, written"
        " by its first change); NULL until then, or when changed before it was kept.",
    )

    class Meta:
        abstract = True


# A message's `sent_fields` as plugins see them: the values by snake_case name, or None when the
# message was stored before they were kept (nothing is known of them then).
SentFields = dict[str, Any] | None
# The names of the plugins whose amendments or republishes changed a message, or None when it
# changed before they were kept (any plugin may have).
AmendedBy = frozenset[str] | None


def _decoded(value: Any) -> Any:
    """A JSON column's value: decoded by the ORM, JSON text in a plain row."""
    return loads(value) if isinstance(value, str) else value


def amended_by_of(message_id: int, seq: int, stored: Any) -> AmendedBy:
    """`amended_by` as plugins see it, from the stored column.

    A message is stored with its cursor equal to its id (both are its position in the one
    order), and NULL here; its first change writes a list. So NULL on a message whose cursor
    moved is one changed before the column existed.
    """
    if stored is None:
        return frozenset() if seq == message_id else None
    return frozenset(_decoded(stored))


def amended_by_after(message_id: int, seq: int, stored: Any, by: str | None) -> list[str] | None:
    """What the column becomes with a change by plugin `by` (None: an edit or a delete)."""
    known = amended_by_of(message_id, seq, stored)
    if known is None:
        return None  # whoever changed it before is still unknown
    return sorted(known | {by}) if by else sorted(known)


@dataclass(frozen=True)
class StoredFacts:
    """What `chat_fill_message_views` is told of a batch's messages as stored.

    `changed_ids`: the messages changed since they were stored (a message whose cursor is
    still its id is exactly as it was sent); `sent_fields` and `amended_by` by message id.
    """

    changed_ids: frozenset[int]
    sent_fields: dict[int, SentFields]
    amended_by: dict[int, AmendedBy]

    @classmethod
    def of_rows(cls, rows: Iterable[tuple[int, int, Any, Any]]) -> StoredFacts:
        """From `(id, seq, sent_fields, amended_by)` as stored."""
        rows = list(rows)
        return cls(
            frozenset(message_id for message_id, seq, _, _ in rows if seq != message_id),
            {message_id: _decoded(sent) for message_id, _, sent, _ in rows},
            {message_id: amended_by_of(message_id, seq, by) for message_id, seq, _, by in rows},
        )

    @classmethod
    def of_messages(cls, messages: Iterable[Message]) -> StoredFacts:
        return cls.of_rows((m.id, m.seq, m.sent_fields, m.amended_by) for m in messages)

    @classmethod
    def unknown(cls, message_ids: Iterable[int]) -> StoredFacts:
        """Nothing known: every message counts as changed, by any plugin."""
        ids = list(message_ids)
        return cls(frozenset(ids), dict.fromkeys(ids), dict.fromkeys(ids))

    @classmethod
    def new(cls, message_id: int, sent_fields: dict[str, Any]) -> StoredFacts:
        """A message just stored: unchanged, with the send fields it was stored with."""
        return cls(frozenset(), {message_id: sent_fields}, {message_id: frozenset()})


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
