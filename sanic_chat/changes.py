"""The message changes of every kind of room, read back from the database in cursor order.

Every message change takes the next position of one order under a lock held until it commits
(see `messages`), so a snapshot that holds a change holds every change with a smaller cursor.
Read in one snapshot, the rooms of every kind give a prefix of that order with no holes: what
a resuming client is replayed, and what a worker reads to fill a gap in its live events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from .events import Event
from .hub import Outgoing, encode_event
from .storage import dialect_of
from .transactions import transaction

if TYPE_CHECKING:
    from .messages.history import MessageHistory


@dataclass(frozen=True, slots=True)
class Change:
    """The latest state of one message, at the cursor of its latest change."""

    cursor: int
    room_type: str
    message_id: int
    deleted: bool
    view: dict[str, Any]
    recipients: frozenset[UUID] = frozenset()

    def event(self, seen_up_to: int) -> Event:
        """The event for someone who has seen every change up to `seen_up_to`: a message
        created after that arrives once, as a create with its latest content."""
        if self.deleted:
            action = "delete"
        elif self.message_id > seen_up_to:
            action = "create"
        else:
            action = "edit"
        name = f"{self.room_type}.message.{action}"
        return Event(name, self.view, self.recipients, cursor=self.cursor)

    def outgoing(self, seen_up_to: int) -> Outgoing:
        return Outgoing(encode_event(self.event(seen_up_to)), self.recipients, self.cursor)


class ChangeLog:
    """The message histories of every kind of room, read together."""

    def __init__(self) -> None:
        self._stores: list[MessageHistory] = []

    def register(self, store: MessageHistory) -> None:
        self._stores.append(store)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[BaseDBAsyncClient]:
        """A read-only transaction in which every query sees the same committed state.

        ORM queries made inside it use it too (Tortoise routes them to the open transaction).
        """
        async with transaction() as connection:
            await dialect_of(connection).begin_snapshot(connection)
            yield connection

    async def newest(self) -> int:
        """The cursor of the newest committed change (0 when there is none)."""
        newest = 0
        for store in self._stores:
            newest = max(newest, await store.newest_cursor())
        return newest

    async def read_after(self, after: int, limit: int) -> tuple[list[Change], int]:
        """Up to about `limit` changes after cursor `after`, oldest first, with their
        recipients (the rooms' members now), and the cursor up to which they are complete."""
        async with self.snapshot() as connection:
            per_store = [
                await store.changed(after, limit, connection, with_recipients=True)
                for store in self._stores
            ]
        # A store that filled its limit may have more before another store's last change.
        full = [changes[-1].cursor for changes in per_store if len(changes) >= limit]
        changes = sorted((c for changes in per_store for c in changes), key=lambda c: c.cursor)
        if full:
            reached = min(full)
            changes = [change for change in changes if change.cursor <= reached]
        else:
            reached = changes[-1].cursor if changes else after
        return changes, reached
