"""Who is in a room of one kind, read with the kind's members statement."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from ..errors import ChatError
from ..storage import dialect_of
from .caches import MemberSets
from .model import Message


class RoomMembership:
    """The members of the rooms of one kind; `sql` selects those of room `{room}`."""

    def __init__(
        self, model: type[Message], sql: str, missing_room: Callable[[], ChatError]
    ) -> None:
        self.model = model
        self.sql = sql
        self._missing_room = missing_room
        # Shared with the send statement, which reads members as the same text.
        self.sets = MemberSets()

    async def including(
        self, room_id: UUID, user_id: UUID, connection: BaseDBAsyncClient | None = None
    ) -> frozenset[UUID]:
        """The room's members, if `user_id` is one of them; else the room is missing to them."""
        members = await self.members(room_id, connection)
        if user_id not in members:
            raise self._missing_room()
        return members

    async def members(
        self, room_id: UUID, connection: BaseDBAsyncClient | None = None
    ) -> frozenset[UUID]:
        """The ids of the room's members (none when there is no such room).

        Read as one text, as the send statement reads them, so a typing relay or an edit reuses
        the set a send already built for the same members.
        """
        if connection is None:
            connection = self.model._meta.db
        dialect = dialect_of(connection)
        _, rows = await connection.execute_query(
            dialect.members_text(self.sql), [dialect.uuid(room_id)]
        )
        return self.sets.get(rows[0]["members"] or "")
