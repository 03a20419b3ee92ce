"""Read positions: moving them forward, reading them for lists and `ready`, and the events.

The counts are made of counters kept on the message tables (`counters`, `models`): reading
them takes a few index lookups per room, whatever the rooms hold.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic import Sanic

from sanic_chat.config import Settings
from sanic_chat.events import Event
from sanic_chat.messages import LAST_ID
from sanic_chat.rooms import RoomKind

from .models import ReadPosition, ReadRoom, ReadTombstone
from .schemas import read_state_out, receipt_out

POSITIONS = ReadPosition._meta.db_table
ROOMS = ReadRoom._meta.db_table
TOMBSTONES = ReadTombstone._meta.db_table


def positions_statement(mark: str) -> str:
    """A user's positions in the rooms of one kind (1 the user, 2 the kind's name), with each
    room's counters and the tombstones after the position: what their counts are made of.

    One range of the positions' unique (user, kind, room) index, one lookup of each room's
    counters, one range of its tombstones after the position; no message is read.
    """
    return (
        "SELECT p.room_id, p.last_read_id, r.message_count - p.read_count - ("
        f'  SELECT COUNT(*) FROM "{TOMBSTONES}" t WHERE t.room_type = p.room_type'
        "  AND t.room_id = p.room_id AND t.message_id > p.last_read_id"
        ") AS unread"
        f' FROM "{POSITIONS}" p LEFT JOIN "{ROOMS}" r'
        "  ON r.room_type = p.room_type AND r.room_id = p.room_id"
        f" WHERE p.user_id = {mark}1 AND p.room_type = {mark}2"
    )


def unread_rooms_statement(mark: str, count: int) -> str:
    """The counters of rooms (2...) of a kind (1) where a member has no position yet: every
    message there is unread, but the tombstones."""
    if mark == "$":
        rooms = "room_id = ANY($2::uuid[])"
    else:  # SQLite: no arrays
        rooms = f"room_id IN ({', '.join(f'?{n}' for n in range(2, count + 2))})"
    return (
        f'SELECT room_id, message_count - deleted_count AS unread FROM "{ROOMS}"'
        f" WHERE room_type = {mark}1 AND {rooms}"
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

    async def fields(
        self, kind: RoomKind, user_id: UUID, room_ids: list[UUID]
    ) -> dict[UUID, dict[str, Any]]:
        """`unreadCount` and `lastReadMessageId` of each of `room_ids` (rooms of `user_id`).

        Two statements at most, whatever the number of rooms; read them in one snapshot
        (`summary_fields`, `ready`) for counts of one instant.
        """
        connection = ReadPosition._meta.db
        postgres = connection.capabilities.dialect == "postgres"
        mark = "$" if postgres else "?"
        rows = await connection.execute_query_dict(
            positions_statement(mark), [user_id if postgres else str(user_id), kind.name]
        )
        positions = {UUID(str(row["room_id"])): row for row in rows}
        fields = {
            room_id: {
                "unreadCount": max(positions[room_id]["unread"] or 0, 0),
                "lastReadMessageId": positions[room_id]["last_read_id"],
            }
            for room_id in room_ids
            if room_id in positions
        }
        unplaced = [room_id for room_id in room_ids if room_id not in positions]
        if unplaced:
            values: list[Any] = [kind.name]
            values += [unplaced] if postgres else [str(room_id) for room_id in unplaced]
            rows = await connection.execute_query_dict(
                unread_rooms_statement(mark, len(unplaced)), values
            )
            counts = {UUID(str(row["room_id"])): row["unread"] for row in rows}
            for room_id in unplaced:
                fields[room_id] = {
                    "unreadCount": max(counts.get(room_id, 0), 0),
                    "lastReadMessageId": None,
                }
        return fields

    async def summary_fields(
        self, kind: RoomKind, user_id: UUID, room_ids: list[UUID]
    ) -> dict[UUID, dict[str, Any]]:
        """`fields`, read in one snapshot."""
        async with self._app.ctx.changes.snapshot():
            return await self.fields(kind, user_id, room_ids)

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
        another room, as everywhere else.
        """
        room = self._app.ctx.rooms[kind.name]
        members = await room.members_if_member(room_id, user_id)
        await room.messages.history.get(room_id, message_id)
        connection = ReadPosition._meta.db
        postgres = connection.capabilities.dialect == "postgres"
        mark = "$" if postgres else "?"
        ids = [user_id, room_id] if postgres else [str(user_id), str(room_id)]
        statement = mark_statement(kind.message_model._meta.db_table, kind.room_column, mark)
        moved = await connection.execute_query_dict(
            statement, [ids[0], kind.name, ids[1], message_id]
        )
        changes = self._app.ctx.changes
        async with changes.snapshot():
            as_of = await changes.newest()
            fields = (await self.fields(kind, user_id, [room_id]))[room_id]
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
