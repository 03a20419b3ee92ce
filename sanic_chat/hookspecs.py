"""The hooks through which plugins build the service.

A plugin is a module (or object) with functions marked `@sanic_chat.hookimpl` whose names match
the specifications below; pluggy checks the names and arguments when the plugin is registered.
Implementations may take any subset of a hook's arguments, in any order. Hooks marked
"may be async" may return an awaitable; the core awaits it.

Order: implementations run in pluggy's order, `tryfirst=True` ones first, then the others
last registered first (code-registered plugins, then entry points in reverse install order),
then `trylast=True` ones. Where the order matters, say so with `tryfirst`/`trylast`; a built-in
default that others may override is marked `trylast=True`.

Hooks marked `firstresult` ("the first non-None answer wins") call their implementations one at
a time in that order, awaiting each answer before calling the next, and stop at the first
answer that is not None: later implementations (the built-in fallback included) are not called.

A function named `chat_...` in a plugin that is not one of these hooks is refused at start-up,
marked or not, as is a plugin that fails to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from uuid import UUID

    from pydantic.fields import FieldInfo
    from sanic import Request, Sanic
    from sanic.blueprints import Blueprint

    from .config import Settings
    from .events import Event
    from .messages import MessageDraft
    from .rooms import RoomKind

NAME = "sanic_chat"

hookspec = pluggy.HookspecMarker(NAME)
hookimpl = pluggy.HookimplMarker(NAME)


# --------------------------------------------------------------------------------------------
# Assembly: called while `create_app` builds a worker's app, once per worker process.
# --------------------------------------------------------------------------------------------


@hookspec
def chat_register_models() -> list[str]:
    """Name the modules that hold this plugin's Tortoise models.

    Called once per app, before the database is set up. Return dotted module paths, e.g.
    `["my_plugin.models"]`. A plugin's models form a Tortoise app named after the plugin, so a
    foreign key to another plugin's model is written `"<plugin>.Model"` (`"user.User"`); name
    that plugin in your `requires`. Table names must be unique across plugins; the core refuses
    a table two plugins declare. On PostgreSQL the tables come from the plugin's own aerich
    folder, `migrations/` beside its `__init__.py` (`sanic-chat db migrate <plugin>` writes it).
    """


@hookspec
def chat_register_blueprints(app: Sanic, settings: Settings) -> list[Blueprint]:
    """Return the blueprints this plugin serves.

    Called once per app. Return new Blueprint objects on every call (tests build several apps
    in one process). Routes belong under `/api/...`; the core documents them in OpenAPI.
    """


@hookspec
def chat_register_commands(app: Sanic) -> dict[str, Any]:
    """Return the WebSocket commands this plugin handles, as `{command type: handler}`.

    Called once per app, after the room kinds are collected (`app.ctx.rooms`, for commands
    made per kind). A handler is `async def handler(connection, data) -> dict`, whose
    return value is sent back as the command's `ack`; raising a `ChatError` answers with an
    `error` frame instead. Two plugins claiming one command type is a start-up error.
    """


@hookspec
def chat_register_room_kinds() -> list[RoomKind]:
    """Return the kinds of room this plugin adds, as `sanic_chat.plugin.RoomKind`s.

    Called once per app, before the blueprints are collected. Each kind gets what the built-in
    group and conversation have: the message routes under its URL prefix (send, history, edit,
    delete) with their OpenAPI docs, the `<kind>.message.send` command, `typing`, resume,
    presence contacts, idempotency, tombstones and `<kind>.message.*` events. The kind says
    only what differs: who is a member (as data), who may edit or delete, its error for a
    missing room, its names, and its own routes. Two kinds sharing a name, URL prefix, event
    prefix or id field is a start-up error.
    """


@hookspec
def chat_register_send_fields() -> dict[str, tuple[Any, FieldInfo]]:
    """Declare optional fields a message send may carry, beside `content` and `clientId`.

    Called once per app, before the rooms are built. Return pydantic field definitions by
    snake_case name, each with a default (what a send that leaves it out carries):
    `{"reply_to": (int | None, Field(None, ge=1, description="..."))}`. Each becomes an
    optional camelCase field (`replyTo`) of every kind of room's send, the REST body and the
    WebSocket `<kind>.message.send` data alike, validated there (a bad value is a 422) and
    documented in OpenAPI. Its value reaches `chat_check_send_fields` (the place to check it
    against the database: only sends that use a field pay for it), `chat_before_message_stored`,
    `chat_message_stored` and `chat_fill_message_views` as `draft.extra["reply_to"]`. A name
    the core uses, or one another plugin declares, stops the start.
    """


@hookspec
def chat_register_view_fields() -> dict[str, tuple[Any, FieldInfo]]:
    """Declare fields every message view carries, beside the core's.

    Called once per app, before the rooms are built. Return pydantic field definitions by
    snake_case name, each with a default: `{"reply_count": (int, Field(0, description="..."))}`.
    Each becomes a camelCase field (`replyCount`) of every kind's message schema
    (`GroupMessageOut`, `ConversationMessageOut`, a plugin kind's), documented in OpenAPI.
    A view holds the default until `chat_fill_message_views` sets another value. A name the
    core uses, or one another plugin declares, stops the start.
    """


@hookspec
def chat_configure_app(app: Sanic, settings: Settings) -> None:
    """Adjust the app after every plugin's blueprints are attached.

    Called once per app, last during assembly. Use it for listeners, middleware or `app.ctx`
    state a plugin needs; do not add routes here (use `chat_register_blueprints`).
    """


# --------------------------------------------------------------------------------------------
# Requests: called while serving.
# --------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def chat_authenticate(request: Request) -> Any:
    """Resolve the user behind an HTTP request or a WebSocket handshake.

    Called by `sanic_chat.authenticated` routes and by the WebSocket endpoint, once per request.
    Return an object with an `id` (UUID), `None` when this plugin cannot tell (another may), or
    raise `Unauthorized` for a credential that is present but bad. The first non-None answer
    wins and the implementations after it are not called; the built-in token check runs last
    (`trylast`), so it neither answers nor refuses a request another plugin answered. May be
    async.
    """


# --------------------------------------------------------------------------------------------
# Domain: called by feature services around state changes.
# --------------------------------------------------------------------------------------------


@hookspec
def chat_before_message_stored(draft: MessageDraft, app: Sanic) -> None:
    """Inspect, rewrite or veto a message before it is stored.

    Called once per message sent (REST or WebSocket), after the sender's membership of the
    room is checked and before the statement that stores it (`app.ctx.rooms[draft.room_type]`
    is its kind of room; `draft.extra` holds the plugins' send fields). Rewrite by assigning
    `draft.content`; veto by raising a `ChatError` (e.g. `Forbidden`), which reaches the sender
    unchanged. Implementations run one after the other in pluggy's order (`tryfirst=True` ones
    first, then the others last registered first, then `trylast=True` ones), each awaited
    before the next starts, and each sees the draft as left by the ones before; a veto stops
    the rest. Mark a filter that must see the text first `tryfirst`. A retry with a
    `clientId` already stored is called again, and the stored message is what the sender gets.
    Implementing this hook costs every send one query (the membership check is otherwise part
    of the insert). May be async.
    """


@hookspec
def chat_check_send_fields(draft: MessageDraft, app: Sanic) -> None:
    """Check the values of plugins' send fields (`chat_register_send_fields`) a draft carries.

    Called for a message sent with a value other than the default in at least one plugin's
    send field (`draft.extra`), after the sender's membership of the room is checked and before
    `chat_before_message_stored`; a send that uses none of them skips this hook, and with no
    `chat_before_message_stored` implementation the membership query too. Refuse a value by
    raising a `ChatError`, which reaches the sender unchanged: for a value naming nothing the
    room holds, `ValidationFailed` (422) with `errors` naming the field as the REST body does
    (`body.replyTo`; over WebSocket it is reported as `data.replyTo`). Implementations are
    awaited one after the other, in pluggy's order; an error stops the rest. Ignore the fields
    of other plugins. May be async.
    """


@hookspec
def chat_message_stored(message: Any, room: Any, draft: MessageDraft, app: Sanic) -> None:
    """React to a message that has just been stored and committed.

    Called once per new message, after commit and before its event is published. `message` is
    the stored model instance, `room` its group or conversation (read for implementations that
    take it: a query per send), `draft` the `MessageDraft` it was stored from, with the send
    fields' values in `draft.extra`. Errors raised here are logged and do not fail the send.
    May be async.
    """


@hookspec
def chat_fill_message_views(
    app: Sanic,
    kind: RoomKind,
    viewer_id: UUID | None,
    views: list[dict[str, Any]],
    draft: MessageDraft | None,
    changed_ids: frozenset[int],
    sent_fields: dict[int, dict[str, Any] | None],
    amended_by: dict[int, frozenset[str] | None],
) -> None:
    """Set this plugin's view fields (`chat_register_view_fields`) in a batch of views.

    Called for every batch of message views of one kind of room before it leaves the server:
    a history page (one call per page), the send's answer and its create event (one call for
    both), an edit's or a delete's answer and event, a resuming client's replay, the newest
    message of each room in room lists, and `MessageStore.republish`. `views` are the dicts
    clients receive: camelCase keys, JSON-ready values, the message's `id` and its room's id
    under `kind.id_key` (`groupId`); set fields in place (`view["replyCount"] = 3`), JSON-ready.
    `viewer_id` is the user they are for, or None when one frame goes to every member of the
    room (events are encoded once for all recipients): leave per-user values to the client
    then. `draft` is given only with the one view of a message just stored from it: nothing
    refers to it yet (no query needed for that), and `draft.extra` holds the send fields.

    What is known of the messages as stored lets a plugin skip those that cannot hold
    anything of its own (most pages of history hold none that can):
    - `changed_ids`: the views' messages changed after they were stored (an edit, a delete,
      `MessageStore.amend`, `MessageStore.republish`); any other is exactly as it was sent.
    - `sent_fields`, by message id: the send fields (`chat_register_send_fields`) it was sent
      with, those not at their default, by snake_case name, as JSON stores them (`{}` for
      none, `{"reply_to": 41}` for a reply); None for a message stored before they were kept
      (a database upgraded from an older version).
    - `amended_by`, by message id: the names plugins gave `MessageStore.amend` and
      `MessageStore.republish` (`by=`) when they changed it; an empty set when none did, None
      for a message changed before they were recorded.
    The reactions plugin reads reactions only for messages amended by `"reactions"`; the
    replies plugin only for replies and messages republished by `"replies"`.

    Implementations are awaited one after the other. An error fails a read; after a change (a
    send, an edit, a delete) it is logged and the views keep the defaults. Query once per
    call, never per view. May be async.
    """


@hookspec
def chat_event_published(event: Event) -> None:
    """Observe every domain event (`group.create`, `conversation.message.edit`, ...).

    Called once per event, after the change is committed, in the worker that made the change,
    after the event has been handed to the WebSocket hub (a slow observer delays the caller that
    made the change, not the deliveries).
    `event.recipients` holds the ids of the users entitled to see it. Errors raised here are
    logged and do not fail the change. May be async.
    """


@hookspec
def chat_register_summary_fields() -> dict[str, tuple[Any, FieldInfo]]:
    """Declare the fields this plugin adds to room summaries (`chat_room_summary_fields`).

    Called once per app, for the OpenAPI document. Return pydantic field definitions by
    snake_case name, each with a default: `{"unread_count": (int, Field(0, description="..."))}`.
    Each becomes an optional camelCase property of every kind's summary schema
    (`RoomKind.summary_schema`: `GroupSummary`, `ConversationOut`, a plugin kind's). A name the
    schema has, or one another plugin declares, stops the start.
    """


@hookspec
def chat_room_summary_fields(
    app: Sanic, kind: RoomKind, user_id: UUID, room_ids: list[UUID]
) -> dict[UUID, dict[str, Any]]:
    """Add fields to the summaries of a list of rooms shown to `user_id` (unread counts, ...).

    Called once per list, never once per room: by `GET /api/group`, `GET /api/conversation`
    and any kind's own list that goes through `Room.add_summary_fields`. `kind` is the rooms'
    `RoomKind`; `room_ids` are the rooms of that kind in the list, every one of them a room
    `user_id` is a member of (the caller checked). Return `{room id: {field: value}}` with
    JSON-ready values, camelCase names; rooms left out get nothing from this plugin. Two
    plugins writing one field, or a field the summary already has, is an error (a 500 naming
    the field and the plugins). May be async.
    """


# --------------------------------------------------------------------------------------------
# Real time: asked by the WebSocket hub.
# --------------------------------------------------------------------------------------------


@hookspec
def chat_ready_data(app: Sanic, user_id: UUID) -> dict[str, Any]:
    """Contribute fields to the `ready` frame a WebSocket client receives on connect.

    Called once per connection, before any event is sent to it. Return a dict of top-level
    `data` fields (the user plugin adds `user`); the hub merges every plugin's dict. Two plugins
    writing the same field is an error: the connection is closed as an internal error and the
    log names the field and both plugins. May be async.
    """


@hookspec
def chat_changes_since(app: Sanic, user_id: UUID, since: int, limit: int) -> list[Event]:
    """Return the message events the user missed after cursor `since`, oldest first.

    Called when a client resumes with `?since=`. Return at most `limit` events with
    `event.cursor > since`, ordered by cursor, for the rooms the user belongs to now; the hub
    merges every plugin's lists by cursor. Every plugin's implementation runs, one after the
    other, inside one read-only snapshot transaction: query through the ORM (or the connection
    it gives) so all room kinds are read at the same instant. May be async.
    """


@hookspec(firstresult=True)
def chat_room_members(
    app: Sanic, room_type: str, room_id: str, user_id: UUID
) -> frozenset[UUID] | None:
    """Return the members of a room, checking that `user_id` is one of them.

    Called for ephemeral events (`typing`). `room_type` is a kind's name (`"group"`,
    `"conversation"`, ...); the core answers for every registered `RoomKind`. Return `None` for
    a room type this plugin does not own, raise `NotFound` when the room does
    not exist or the user is not a member. The first non-None answer wins and the
    implementations after it are not called. May be async.
    """


@hookspec
def chat_contacts(app: Sanic, user_id: UUID) -> set[UUID]:
    """Return the users who share a room with `user_id` (their `presence` audience).

    Called when a user's first connection opens and when their last one closes; the hub unites
    every plugin's answer. May be async.
    """
