"""The public API for plugins: everything a plugin imports from the core, in one place.

Built-in plugins import nothing else from `sanic_chat` (an import contract checked in CI keeps
it so); the other modules are internal and may change between minor versions. What `sanic_chat`
itself exports is a subset of this module, kept for the plugins written against it.

- Hooks: `hookimpl` marks an implementation; the hooks are listed in `sanic_chat.hookspecs`.
- Settings and start-up: `Settings`, `PluginError`.
- Routes: `authenticated`, `json_body`, `query_args`, `parse`, `parse_id`, `parse_message_id`
  (with `MESSAGE_ID_SCHEMA` for OpenAPI), `responds`, `path_parameter`, `reply`,
  `ERROR_DESCRIPTIONS`; models with `CamelModel`, `at_most`, `NOT_BLANK`, `WHITESPACE`;
  `HistoryQuery` for a page of messages, `LAST_ID` the largest message id.
- WebSocket commands: a handler is a `CommandHandler`, called with a `CommandContext`.
- Errors (one problem document each): `ChatError` and its kinds.
- Storage: `transaction`; `dialect_of(connection)`, the `Dialect` that says how this database
  writes what portable SQL cannot (placeholders, byte order, UUID values); the abstract
  `Message` model, `MessageDraft`, `MessageContent`, `message_out`, `author_model` (the user
  model a kind's messages point to), `may_be_amended_by` (for `chat_fill_message_views`), and
  `LAST_ID`, the largest id a message can have.
- Rooms: `RoomKind`, `Members`, `MessageRule`, `author_only`; `newest_activity_first` orders a
  room list.
- Events: `Event`; `user_gone` for a token whose user was deleted.
- JSON as the core writes it (orjson): `dumps`, `loads`.
- Transports (a plugin speaking another wire protocol, as the Socket.IO one does): `Outgoing`,
  `first_answer`, `unexpected_error_problem` (and `loads` above).
"""

from __future__ import annotations

from .awaitables import first_answer
from .commands import CommandContext, CommandHandler
from .config import Settings
from .errors import (
    BadRequest,
    ChatError,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    unexpected_error_problem,
)
from .events import Event
from .hookspecs import hookimpl
from .hub import Outgoing
from .jsoncodec import dumps, loads
from .messages import (
    LAST_ID,
    HistoryQuery,
    Message,
    MessageContent,
    MessageDraft,
    author_model,
    may_be_amended_by,
    message_out,
)
from .openapi import ERROR_DESCRIPTIONS, path_parameter, responds
from .plugins import PluginError
from .rooms import Members, MessageRule, RoomKind, author_only, newest_activity_first
from .schemas import NOT_BLANK, WHITESPACE, CamelModel, at_most, reply
from .security import authenticated, user_gone
from .storage import Dialect, dialect_of
from .transactions import transaction
from .validation import (
    MESSAGE_ID_SCHEMA,
    json_body,
    parse,
    parse_id,
    parse_message_id,
    query_args,
)

__all__ = [
    "ERROR_DESCRIPTIONS",
    "LAST_ID",
    "MESSAGE_ID_SCHEMA",
    "NOT_BLANK",
    "WHITESPACE",
    "BadRequest",
    "CamelModel",
    "ChatError",
    "CommandContext",
    "CommandHandler",
    "Conflict",
    "Dialect",
    "Event",
    "Forbidden",
    "HistoryQuery",
    "Members",
    "Message",
    "MessageContent",
    "MessageDraft",
    "MessageRule",
    "NotFound",
    "Outgoing",
    "PluginError",
    "RoomKind",
    "Settings",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "ValidationFailed",
    "at_most",
    "authenticated",
    "author_model",
    "author_only",
    "dialect_of",
    "dumps",
    "first_answer",
    "hookimpl",
    "json_body",
    "loads",
    "may_be_amended_by",
    "message_out",
    "newest_activity_first",
    "parse",
    "parse_id",
    "parse_message_id",
    "path_parameter",
    "query_args",
    "reply",
    "responds",
    "transaction",
    "unexpected_error_problem",
    "user_gone",
]
