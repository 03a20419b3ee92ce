"""Messages, one design for every kind of room (groups, 1:1 conversations, plugins' own).

A kind of room (`sanic_chat.rooms.RoomKind`) gets a `MessageStore`: storage, ordering,
idempotency, history pages, tombstones, serialisation and events are written once, here. The
kind keeps what differs: who is a member and who may do what.

- `model`: the abstract `Message` model and the `MessageDraft` plugins see;
- `stored`: what plugins are told of messages as stored (changed, send fields, amended by);
- `payloads`: what clients send and receive;
- `ordering`: the one order of changes (module doc there), and SQLite's stand-in for it;
- `statements`: the measured send and history statements;
- `caches`: authors' names and members' sets on the send path;
- `views`: messages as clients see them (tombstones included);
- `membership`: who is in a room, read with the kind's members statement;
- `history`: history pages, the newest message of each room, changes after a cursor;
- `store`: `MessageStore`, the changes (sends, edits, deletes) with their hooks and events.
"""

from .caches import author_model
from .model import Message, MessageDraft
from .ordering import LAST_ID, ORDER_LOCK, SEQUENCE, next_position, prepare_positions
from .payloads import (
    MAX_CONTENT_CHARS,
    MAX_PAGE,
    EditMessage,
    HistoryQuery,
    MessageContent,
    MessageOut,
    SendMessage,
    message_out,
)
from .store import MessageStore
from .stored import may_be_amended_by

__all__ = [
    "LAST_ID",
    "MAX_CONTENT_CHARS",
    "MAX_PAGE",
    "ORDER_LOCK",
    "SEQUENCE",
    "EditMessage",
    "HistoryQuery",
    "Message",
    "MessageContent",
    "MessageDraft",
    "MessageOut",
    "MessageStore",
    "SendMessage",
    "author_model",
    "may_be_amended_by",
    "message_out",
    "next_position",
    "prepare_positions",
]
