"""Read positions: moving them forward, reading them for lists and `ready`, and the events.

The counts are made of counters kept on the message tables (`counters`, `models`): reading
them takes a few index lookups per room, whatever the rooms hold.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic import Sanic

from sanic_chat.plugin import LAST_ID, Event, RoomKind, Settings, dialect_of

from .models import ReadPosition, ReadRoom, ReadTombstone
from .schemas import read_state_out, receipt_out

POSITIONS = ReadPosition._meta.db_table
ROOMS = ReadRoom._meta.db_table
TOMBSTONES = ReadTombstone._meta.db_table


def counts_statement(kind: RoomKind, mark: str) -> str:
    """The rooms of kind 2 that user 1 is in, each with the user's position and unread count.

    Per room: the membership row, the user's position, the room's counters (lookups on unique
    indexes) and the tombstones after the position (a range of their index); no message is
    read. A room with no position yet has every counted message unread but its tombstones.
    """
    rooms = kind.members.rooms_sql().format(user=f"{mark}1")
    tombstones_after = (
        f'SELECT COUNT(*) FROM "{TOMBSTONES}" t WHERE t.room_type = {mark}2'
        " AND t.room_id = m.room_id AND t.message_id > p.last_read_id"
    )
    return (
        "SELECT m.room_id, p.last_read_id, CASE WHEN p.last_read_id IS NULL"
        " THEN COALESCE(r.message_count - r.deleted_count, 0)"
        f" ELSE COALESCE(r.message_count, 0) - p.read_count - ({tombstones_after})"
        " END AS unread"
        f" FROM ({rooms}) m"
        f' LEFT JOIN "{POSITIONS}" p'
        f"  ON p.user_id = {mark}1 AND p.room_type = {mark}2 AND p.room_id = m.room_id"
        f' LEFT JOIN "{ROOMS}" r ON r.room_type = {mark}2 AND r.room_id = m.room_id'
    )


def mark_statement(table: str, room_key: str, mark: str) -> str:
    """Move user 1's position in room 3 of kind 2 forward to message 4; returns a row when it
    moved. `read_count` is how many counted messages are up to message 4: the room's counter
    less those after it (normally none: clients mark the newest message they show). That
    number never changes once message 4 exists, so no lock is needed: a send committing
    meanwhile is after message 4 either way."""
    pair = f'(m."{room_key}", m.id)'
    # One type for both uses of the kind's name (PostgreSQL would deduce text and varchar).
    kind = f"CAST({mark}2 AS VARCHAR(64))"
    after = f"CASE WHEN r.counted_from - 1 > {mark}4 THEN r.counted_from - 1 ELSE {mark}4 END"
    return (
        f'INSERT INTO "{POSITIONS}" (user_id, room_type, room_id, last_read_id, read_count)'
        f" VALUES ({mark}1, {kind}, {mark}3, {mark}4, COALESCE(("
        f'  SELECT r.message_count - (SELECT COUNT(*) FROM "{table}" m'
        f"   WHERE {pair} > ({mark}3, {after}) AND {pair} <= ({mark}3, {LAST_ID}))"
        f'  FROM "{ROOMS}" r WHERE r.room_type = {kind} AND r.room_id = {mark}3'
        "), 0))"
        " ON CONFLICT (user_id, room_type, room_id) DO UPDATE"
        " SET last_read_id = excluded.last_read_id, read_count = excluded.read_count"
        f' WHERE "{POSITIONS}".last_read_id < excluded.last_read_id'
        " RETURNING last_read_id"
    )


class ReadState:
    """Read positions in every kind of room of one app."""

    def __init__(self, app: Sanic, settings: Settings) -> None:
        self._app = app
        self._receipts = frozenset(settings.read_receipts)

    def receipts_on(self, kind: RoomKind) -> bool:
        return kind.name in self._receipts

    async def fields(self, kind: RoomKind, user_id: UUID) -> dict[UUID, dict[str, Any]]:
        """`unreadCount` and `lastReadMessageId` of every room of `kind` that `user_id` is in,
        in one statement; read it in a snapshot (`summary_fields`, `ready`) to know the cursor
        the counts are exact up to."""
        connection = ReadPosition._meta.db
        dialect = dialect_of(connection)
        rows = await connection.execute_query_dict(
            counts_statement(kind, dialect.mark), [dialect.uuid(user_id), kind.name]
        )
        return {
            UUID(str(row["room_id"])): {
                "unreadCount": max(row["unread"], 0),
                "lastReadMessageId": row["last_read_id"],
            }
            for row in rows
        }

    async def summary_fields(
        self, kind: RoomKind, user_id: UUID, room_ids: list[UUID]
    ) -> dict[UUID, dict[str, Any]]:
        """`fields` of the rooms in a list (the user's own: the caller checked), read in one
        snapshot."""
        async with self._app.ctx.changes.snapshot():
            fields = await self.fields(kind, user_id)
        return {room_id: fields[room_id] for room_id in room_ids if room_id in fields}

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
                fields = await self.fields(kind, user_id)
                rooms += [
                    {"type": kind.name, kind.id_key: str(room_id), **room_fields}
                    for room_id, room_fields in fields.items()
                ]
        return {"asOf": str(as_of), "rooms": rooms}

    async def mark(
        self, kind: RoomKind, room_id: UUID, user_id: UUID, message_id: int
    ) -> dict[str, Any]:
        """Move `user_id`'s position in the room forward to `message_id` (a message of the
        room); an older one changes nothing. Returns the position as it now is.

        The room is missing to a non-member, and the message to a member who names one of
        another room, as everywhere else.
        """
        room = self._app.ctx.rooms[kind.name]
        members = await room.members_if_member(room_id, user_id)
        await room.messages.history.get(room_id, message_id)
        connection = ReadPosition._meta.db
        dialect = dialect_of(connection)
        table = kind.message_model._meta.db_table
        moved = await connection.execute_query_dict(
            mark_statement(table, kind.room_column, dialect.mark),
            [dialect.uuid(user_id), kind.name, dialect.uuid(room_id), message_id],
        )
        changes = self._app.ctx.changes
        async with changes.snapshot():
            as_of = await changes.newest()
            fields = (await self.fields(kind, user_id)).get(room_id)
        if fields is None:  # removed from the room since its membership was checked
            raise kind.missing_room()
        state = (
            read_state_out(kind.schema_prefix, kind.id_field)
            .model_validate(
                {
                    kind.id_field: room_id,
                    "unread_count": fields["unreadCount"],
                    "last_read_message_id": fields["lastReadMessageId"],
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
