"""Read positions: moving them forward, reading them for lists and `ready`, and the events.

The counts come from `read_positions`, kept by the counters on the message tables
(`counters`): reading them is one index range per list, whatever the rooms hold.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic import Sanic

from sanic_chat import transaction
from sanic_chat.config import Settings
from sanic_chat.events import Event
from sanic_chat.messages import LAST_ID
from sanic_chat.rooms import RoomKind

from .models import ReadPosition
from .schemas import read_state_out, receipt_out

TABLE = ReadPosition._meta.db_table


def positions_statement(mark: str) -> str:
    """A user's positions in the rooms of one kind: 1 the user, 2 the kind's name.

    One range of the unique (user, kind, room) index; no message is read.
    """
    return (
        f'SELECT room_id, last_read_id, unread_count FROM "{TABLE}"'
        f" WHERE user_id = {mark}1 AND room_type = {mark}2"
    )


def unread_statement(table: str, room_key: str, mark: str) -> str:
    """Messages of room 1 after message 2, not by user 3, not deleted: a recount when a
    position moves (normally to the newest message, so it reads nothing)."""
    pair = f'(m."{room_key}", m.id)'
    return (
        f'SELECT COUNT(*) AS unread FROM "{table}" m'
        f" WHERE {pair} > ({mark}1, {mark}2) AND {pair} <= ({mark}1, {LAST_ID})"
        f" AND m.author_id <> {mark}3 AND m.deleted_at IS NULL"
    )


def lock_statement(mark: str) -> str:
    """The reader's row in room 3 of kind 2, created if missing and locked: the counters of a
    concurrent send wait until the recount is committed."""
    return (
        f'INSERT INTO "{TABLE}" (user_id, room_type, room_id, last_read_id, unread_count,'
        f" counted_from) VALUES ({mark}1, {mark}2, {mark}3, NULL, 0, 0)"
        " ON CONFLICT (user_id, room_type, room_id)"
        f' DO UPDATE SET unread_count = "{TABLE}".unread_count'
        " RETURNING last_read_id, unread_count"
    )


def move_statement(mark: str) -> str:
    return (
        f'UPDATE "{TABLE}" SET last_read_id = {mark}4, unread_count = {mark}5, counted_from = 0'
        f" WHERE user_id = {mark}1 AND room_type = {mark}2 AND room_id = {mark}3"
    )


class ReadState:
    """Read positions in every kind of room of one app."""

    def __init__(self, app: Sanic, settings: Settings) -> None:
        self._app = app
        self._receipts = frozenset(settings.read_receipts)

    def receipts_on(self, kind: RoomKind) -> bool:
        return kind.name in self._receipts

    async def fields(
        self, kind: RoomKind, user_id: UUID, room_ids: list[UUID]
    ) -> dict[UUID, dict[str, Any]]:
        """`unreadCount` and `lastReadMessageId` of each of `room_ids` (rooms of `user_id`)."""
        connection = ReadPosition._meta.db
        postgres = connection.capabilities.dialect == "postgres"
        values = [user_id if postgres else str(user_id), kind.name]
        rows = await connection.execute_query_dict(
            positions_statement("$" if postgres else "?"), values
        )
        found = {UUID(str(row["room_id"])): row for row in rows}
        fields = {}
        for room_id in room_ids:
            row = found.get(room_id)
            fields[room_id] = {
                "unreadCount": row["unread_count"] if row else 0,
                "lastReadMessageId": row["last_read_id"] if row else None,
            }
        return fields

    async def ready(self, user_id: UUID) -> dict[str, Any]:
        """Every room of `user_id` with its fields, and the cursor they are exact up to: read
        in one snapshot, so the message events after that cursor are exactly those the counts
        do not hold yet."""
        changes = self._app.ctx.changes
        rooms: list[dict[str, Any]] = []
        async with changes.snapshot():
            as_of = await changes.newest()
            for room in self._app.ctx.rooms:
                kind = room.kind
                ids = await kind.members.room_ids(user_id)
                fields = await self.fields(kind, user_id, ids) if ids else {}
                rooms += [
                    {"type": kind.name, kind.id_key: str(room_id), **fields[room_id]}
                    for room_id in ids
                ]
        return {"asOf": str(as_of), "rooms": rooms}

    async def mark(
        self, kind: RoomKind, room_id: UUID, user_id: UUID, message_id: int
    ) -> dict[str, Any]:
        """Move `user_id`'s position in the room forward to `message_id` (a message of the
        room); an older one changes nothing. Returns the position as it now is.

        The room is missing to a non-member, and the message to a member who names one of
        another room, as everywhere else. The reader's row is locked before the messages after
        the new position are counted: a send into the room meanwhile waits to add itself to
        the count until the recount is committed, so it is counted exactly once.
        """
        room = self._app.ctx.rooms[kind.name]
        members = await room.members_if_member(room_id, user_id)
        await room.messages.history.get(room_id, message_id)
        connection = ReadPosition._meta.db
        postgres = connection.capabilities.dialect == "postgres"
        mark = "$" if postgres else "?"
        key = [user_id, kind.name, room_id] if postgres else [str(user_id), kind.name, str(room_id)]
        async with transaction() as locked:
            (row,) = await locked.execute_query_dict(lock_statement(mark), key)
            last_read, unread = row["last_read_id"], row["unread_count"]
            moved = last_read is None or message_id > last_read
            if moved:
                table = kind.message_model._meta.db_table
                counted = await locked.execute_query_dict(
                    unread_statement(table, kind.room_column, mark),
                    [key[2], message_id, key[0]],
                )
                last_read, unread = message_id, counted[0]["unread"]
                await locked.execute_query(move_statement(mark), [*key, last_read, unread])
            # Read under the lock: no change to this count can commit before this transaction.
            as_of = await self._app.ctx.changes.newest()
        state = (
            read_state_out(kind.schema_prefix, kind.id_field)
            .model_validate(
                {
                    kind.id_field: room_id,
                    "unread_count": unread,
                    "last_read_message_id": last_read,
                    "as_of": str(as_of),
                }
            )
            .dump()
        )
        if moved:
            await self._publish(kind, room_id, user_id, message_id, state, members)
        return state

    async def _publish(
        self,
        kind: RoomKind,
        room_id: UUID,
        user_id: UUID,
        message_id: int,
        state: dict[str, Any],
        members: frozenset[UUID],
    ) -> None:
        events = self._app.ctx.events
        await events.publish(Event(f"{kind.event_prefix}.read.update", state, frozenset({user_id})))
        others = members - {user_id}
        if others and self.receipts_on(kind):
            receipt = receipt_out(kind.schema_prefix, kind.id_field).model_validate(
                {kind.id_field: room_id, "user_id": user_id, "message_id": message_id}
            )
            await events.publish(
                Event(f"{kind.event_prefix}.receipt.update", receipt.dump(), others)
            )
