"""Kinds of room: what a plugin registers to add one (`RoomKind`, `Members`).

Plugins return `RoomKind`s from `chat_register_room_kinds`; the core gives each the message
routes, the WebSocket send command, typing, resume, presence contacts, idempotency, tombstones
and events (`registry`, `routes`, `commands`).
"""

from .kind import Members, MessageRule, RoomKind, author_only
from .summaries import newest_activity_first

__all__ = ["Members", "MessageRule", "RoomKind", "author_only", "newest_activity_first"]
