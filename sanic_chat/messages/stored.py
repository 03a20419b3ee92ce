"""What plugins are told of messages as stored (`chat_fill_message_views`): whether each changed
since it was stored, the send fields it was sent with, and the plugins that amended it.

A message is stored with its cursor equal to its id (both are its position in the one order),
`sent_fields` set and `amended_by` NULL; every later change takes a newer position, and writes
`amended_by` (`MessageStore._change`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..jsoncodec import loads

if TYPE_CHECKING:
    from .model import Message


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


def may_be_amended_by(amended_by: AmendedBy, plugin: str) -> bool:
    """Whether `plugin` may have amended or republished a message whose `amended_by` (as
    `chat_fill_message_views` hands it) is this: None is not known, so it may."""
    return amended_by is None or plugin in amended_by


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
