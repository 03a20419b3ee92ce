"""Unread badges kept on a device exactly as docs/read-state.md tells a client to.

Each `ready` (every connection, resumed or not) starts them from its `readState`; message
creates above a room's `asOf` move them; a `<kind>.read.update` whose position is newer than
the one held replaces a room's badge and its `asOf`, and the message creates already received
above that `asOf` are counted again on top of it. The drills never delete a message, so the
rule for deletes has nothing to act on here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.drills.rooms import Room


@dataclass
class Badge:
    count: int
    position: int | None
    as_of: int  # message events at or below this cursor are already in `count`

    def is_after(self, message_id: int) -> bool:
        return self.position is None or message_id > self.position


class Badges:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.rooms: dict[Room, Badge] = {}
        # Each room's message creates above its badge's `asOf`, in the order they came: a
        # read.update can come after some of them, and its count does not hold those.
        self._above: dict[Room, list[tuple[int, dict[str, Any]]]] = {}
        self.overtaken = 0  # read.updates that came after message events they do not hold

    def start(self, read_state: dict[str, Any]) -> None:
        """`ready`'s `readState`: the counts hold every message change up to `asOf`."""
        as_of = int(read_state["asOf"])
        self.rooms = {
            Room.of(room["type"], room): Badge(
                room["unreadCount"], room["lastReadMessageId"], as_of
            )
            for room in read_state["rooms"]
        }
        self._above = {room: [] for room in self.rooms}

    def on_create(self, room: Room, cursor: str | None, message: dict[str, Any]) -> None:
        badge = self.rooms.get(room)
        if badge is None or cursor is None or int(cursor) <= badge.as_of:
            return  # in the count already
        self._above[room].append((int(cursor), message))
        self._count(badge, message)

    def _count(self, badge: Badge, message: dict[str, Any]) -> None:
        if not badge.is_after(message["id"]):
            return  # read already
        if message["author"]["id"] == self.user_id:
            # Sending marks your own room read: no event says so, every device does the same.
            badge.position, badge.count = message["id"], 0
        else:
            badge.count += 1

    def on_read_update(self, room: Room, state: dict[str, Any]) -> None:
        badge, position = self.rooms.get(room), state["lastReadMessageId"]
        if badge is None or position is None or not badge.is_after(position):
            return  # repeats what the badge has (a mark that is in `ready` too)
        as_of = int(state["asOf"])
        later = [(cursor, message) for cursor, message in self._above[room] if cursor > as_of]
        self.overtaken += bool(later)
        self.rooms[room] = badge = Badge(state["unreadCount"], position, as_of)
        self._above[room] = later
        for _, message in later:
            self._count(badge, message)

    def counts(self) -> dict[Room, tuple[int, int | None]]:
        return {room: (badge.count, badge.position) for room, badge in self.rooms.items()}
