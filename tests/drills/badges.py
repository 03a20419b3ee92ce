"""Unread badges kept on a device exactly as docs/read-state.md tells a client to.

Each `ready` (every connection, resumed or not) starts them from its `readState`; message
creates above a room's `asOf` move them; a `<kind>.read.update` whose position is newer than
the one held replaces a room's badge and its `asOf`. The drills never delete a message, so the
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

    def start(self, read_state: dict[str, Any]) -> None:
        """`ready`'s `readState`: the counts hold every message change up to `asOf`."""
        as_of = int(read_state["asOf"])
        self.rooms = {
            Room.of(room["type"], room): Badge(
                room["unreadCount"], room["lastReadMessageId"], as_of
            )
            for room in read_state["rooms"]
        }

    def on_create(self, room: Room, cursor: str | None, message: dict[str, Any]) -> None:
        badge = self.rooms.get(room)
        if badge is None or cursor is None or int(cursor) <= badge.as_of:
            return  # in the count already
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
        badge.count, badge.position, badge.as_of = (
            state["unreadCount"],
            position,
            int(state["asOf"]),
        )

    def counts(self) -> dict[Room, tuple[int, int | None]]:
        return {room: (badge.count, badge.position) for room, badge in self.rooms.items()}
