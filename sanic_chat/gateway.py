"""The WebSocket endpoint `/ws`: handshake, resume, commands, and the hub's life cycle.

Protocol (see docs/websocket.md): server frames are `{"type", "data", "cursor"?}`; client
commands are `{"type", "ref", "data"}`, answered by `ack` or `error` with the same `ref`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, StrictStr, model_validator
from sanic import Request, Sanic

from .awaitables import await_all, await_me_maybe, first_answer
from .broker import Broker, LocalBroker, RedisBroker
from .config import ConfigError
from .errors import BadRequest, ChatError, NotFound, is_database_outage, unexpected_error_problem
from .events import Event
from .hub import (
    CLOSE_BAD_REQUEST,
    CLOSE_GOING_AWAY,
    CLOSE_TOO_MANY_CONNECTIONS,
    CLOSE_UNAUTHORIZED,
    Connection,
    Hub,
    Outgoing,
    encode_event,
    encode_frame,
)
from .jsoncodec import dumps, loads
from .security import authenticate
from .stream import CursorStream
from .validation import parse, parse_position

log = logging.getLogger("sanic_chat.gateway")

# Frames above this are refused by closing with 1009 (the websockets library enforces it).
MAX_FRAME_BYTES = 64 * 1024
# How long a stopping worker waits for its clients to take the 1001 close.
CLOSE_SECONDS = 5.0
# RFC 6455 "Try Again Later": the handshake needed the database and it did not answer.
CLOSE_TRY_AGAIN = 1013
CLOSE_INTERNAL_ERROR = 1011


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a WebSocket command handler knows about its caller."""

    app: Sanic
    user_id: UUID
    connection: Connection


CommandHandler = Callable[[CommandContext, dict[str, Any]], Awaitable[dict[str, Any]]]


# Refs are echoed as given; JSON parsers read integers beyond 64 bits as floats. Strict types:
# `true` or `1.0` would otherwise come back as `1`.
Ref = StrictStr | Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]


class CommandFrame(BaseModel):
    type: str = Field(min_length=1, max_length=100)
    ref: Ref | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class TypingCommand(BaseModel):
    """`typing` names exactly one room: `groupId` or `conversationId`."""

    group_id: UUID | None = Field(None, alias="groupId")
    conversation_id: UUID | None = Field(None, alias="conversationId")

    @model_validator(mode="after")
    def _one_room(self) -> TypingCommand:
        if (self.group_id is None) == (self.conversation_id is None):
            raise ValueError("give exactly one of groupId or conversationId")
        return self


def collect_commands(manager: Any) -> dict[str, CommandHandler]:
    """Every plugin's WebSocket commands; two plugins claiming one type is a start-up error."""
    commands: dict[str, CommandHandler] = {}
    for contribution in manager.hook.chat_register_commands():
        for name, handler in contribution.items():
            if name in commands or name in CORE_COMMANDS:
                raise ConfigError(f"WebSocket command {name!r} is registered twice")
            commands[name] = handler
    return commands


def install_gateway(app: Sanic, commands: dict[str, CommandHandler]) -> None:
    """Add `/ws` and the hub (with its cursor stream and broker) to `app`."""
    settings = app.ctx.settings
    app.config.WEBSOCKET_MAX_SIZE = MAX_FRAME_BYTES
    app.config.WEBSOCKET_PING_INTERVAL = settings.ws_ping_interval
    app.config.WEBSOCKET_PING_TIMEOUT = settings.ws_ping_timeout
    app.ctx.hub = Hub()
    app.ctx.commands = {**CORE_COMMANDS, **commands}

    async def relay(event: Event) -> None:
        outgoing = Outgoing(encode_event(event), event.recipients, event.cursor)
        await app.ctx.broker.publish(outgoing)

    app.ctx.events.subscribe(relay)

    @app.before_server_start
    async def start_delivery(app: Sanic) -> None:
        hub: Hub = app.ctx.hub
        stream = CursorStream(hub.deliver, app.ctx.changes.read_after, app.ctx.changes.newest)
        await stream.start()

        def route(outgoing: Outgoing) -> None:
            # Message events go out in cursor order; the rest as they come.
            if outgoing.cursor is None:
                hub.deliver(outgoing)
            else:
                stream.offer(outgoing)

        def rooms_may_be_stale(reason: str) -> None:
            log.warning("room events may have been missed: %s", reason)
            hub.tell_everyone(encode_frame("rooms.stale", {"reason": "events_missed"}))

        broker: Broker = (
            RedisBroker(
                route,
                rooms_may_be_stale,
                settings.redis_url,
                settings.redis_namespace,
            )
            if settings.redis_url
            else LocalBroker(route)
        )
        await broker.start()
        app.ctx.stream = stream
        app.ctx.broker = broker

    @app.before_server_stop
    async def stop_delivery(app: Sanic) -> None:
        await app.ctx.hub.close_all(CLOSE_GOING_AWAY, "server shutting down", CLOSE_SECONDS)
        await app.ctx.stream.stop()
        await app.ctx.broker.stop()

    app.add_websocket_route(websocket, "/ws", name="websocket")


async def websocket(request: Request, ws: Any) -> None:
    app = request.app
    settings = app.ctx.settings
    try:
        # The token came with the headers; what is left is the server's own lookup, which must
        # not keep a socket open indefinitely when the database is slow.
        user = await asyncio.wait_for(authenticate(request), settings.handshake_timeout)
    except ChatError as exc:
        await ws.close(CLOSE_UNAUTHORIZED, exc.detail or exc.title)
        return
    except asyncio.TimeoutError:
        await ws.close(CLOSE_TRY_AGAIN, "authentication took too long")
        return
    except Exception as exc:
        await ws.close(*_close_for(exc, "a WebSocket handshake"))
        return
    since = _since(request)
    if since is False:
        await ws.close(CLOSE_BAD_REQUEST, "since must be a cursor received from this server")
        return

    try:
        ready = await _ready_data(app, user.id)
    except ChatError as exc:  # e.g. the token's user was deleted since it was checked
        await ws.close(CLOSE_UNAUTHORIZED, exc.detail or exc.title)
        return
    except Exception as exc:
        await ws.close(*_close_for(exc, "a WebSocket handshake"))
        return
    connection = Connection(ws, user.id, queue_bytes=settings.ws_send_queue_bytes)
    # Counted and attached with no await in between, so simultaneous handshakes cannot all
    # slip under the cap.
    limit = settings.ws_max_connections_per_user
    if app.ctx.hub.connection_count(user.id) >= limit:
        await ws.close(CLOSE_TOO_MANY_CONNECTIONS, f"at most {limit} connections per user")
        return
    if since is not None:
        connection.hold_live_events()
    # From here on, live events for this user reach the connection (or its hold).
    app.ctx.hub.attach(connection)
    connection.start_writing()
    counted = False
    try:
        connection.send(encode_frame("ready", ready))
        if since is not None:
            try:
                await _replay(app, connection, since)
            except Exception as exc:  # nothing was skipped: the client resumes again
                connection.close_soon(*_close_for(exc, "a resume"))
                return
        counted = True
        if await app.ctx.broker.connected(user.id):
            await _announce_presence(app, user.id, "online")
        await _read_commands(app, connection)
    finally:
        app.ctx.hub.detach(connection)
        await connection.finish()
        if counted:
            await _went_offline(app, user.id)


def _close_for(exc: Exception, where: str) -> tuple[int, str]:
    """How to close a socket whose handshake or resume failed on `exc` (logged here)."""
    if is_database_outage(exc):
        log.warning("database unavailable on %s: %r", where, exc)
        return CLOSE_TRY_AGAIN, "temporarily unavailable, reconnect"
    log.error("unhandled error on %s", where, exc_info=exc)
    return CLOSE_INTERNAL_ERROR, "internal error"


def _since(request: Request) -> int | bool | None:
    """The `since` cursor: None when absent, False when malformed."""
    raw = request.args.get("since")
    if raw is None:
        return None
    since = parse_position(raw)
    return False if since is None else since


async def _ready_data(app: Sanic, user_id: UUID) -> dict[str, Any]:
    """Every plugin's `ready` fields; two plugins writing one field is refused, not merged."""
    manager = app.ctx.plugins
    data: dict[str, Any] = {}
    writers: dict[str, str] = {}
    for plugin, answer in manager.answers(manager.hook.chat_ready_data, app=app, user_id=user_id):
        for key, value in (await await_me_maybe(answer) or {}).items():
            if key in writers:
                raise ConfigError(
                    f"ready field {key!r} is written by both {writers[key]!r} and {plugin!r}"
                )
            writers[key] = plugin
            data[key] = value
    return data


async def _replay(app: Sanic, connection: Connection, since: int) -> None:
    """Send the message events missed after `since`, then release the held live ones.

    Every room kind is read in one snapshot: a change in one kind committed between two
    separate reads could otherwise be skipped while a later one in another kind is replayed.
    """
    limit = app.ctx.settings.resume_max_events
    async with app.ctx.changes.snapshot():
        contributions = await await_all(
            app.ctx.plugins.hook.chat_changes_since(
                app=app, user_id=connection.user_id, since=since, limit=limit + 1
            )
        )
    events = [event for contribution in contributions for event in contribution]
    events.sort(key=lambda event: event.cursor or 0)
    if len(events) > limit:
        # Too much to replay: say so, and let the client reload through REST.
        connection.send(encode_frame("resync", {"reason": "gap_too_large"}))
        connection.release_live_events(None)
        return
    for event in events:
        await connection.send_waiting(encode_event(event))
    connection.release_live_events(events[-1].cursor if events else since)


async def _went_offline(app: Sanic, user_id: UUID) -> None:
    # Runs while the socket is torn down, possibly during shutdown: a failure here must not
    # turn a closed connection into an error.
    try:
        if await app.ctx.broker.disconnected(user_id):
            await _announce_presence(app, user_id, "offline")
    except (Exception, asyncio.CancelledError) as exc:
        log.warning("offline presence of %s not announced: %r", user_id, exc)


async def _announce_presence(app: Sanic, user_id: UUID, status: str) -> None:
    contacts = await await_all(app.ctx.plugins.hook.chat_contacts(app=app, user_id=user_id))
    audience: set[UUID] = set().union(*contacts) - {user_id}
    if audience:
        event = Event("presence", {"userId": str(user_id), "status": status}, frozenset(audience))
        await app.ctx.events.publish(event)


async def _read_commands(app: Sanic, connection: Connection) -> None:
    # Commands of one connection run one at a time, so its acks come back in order. The next
    # command is read only once the queue has room for its answer: a client that does not read
    # its answers is not read either (its socket fills, then the write deadline closes it).
    while await connection.wait_for_room():
        try:
            raw = await connection.ws.recv()
        except asyncio.CancelledError:
            return  # Sanic cancels the read when the connection is torn down
        if raw is None or connection.closing:
            return
        connection.send(await _answer(app, connection, raw))


async def _answer(app: Sanic, connection: Connection, raw: str | bytes) -> str:
    ref = None
    try:
        try:
            frame = parse(CommandFrame, loads(raw), "frame")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("Frames must be JSON objects.", code="malformed_frame") from None
        ref = frame.ref
        handler = app.ctx.commands.get(frame.type)
        if handler is None:
            raise NotFound(f"Unknown command {frame.type!r}.", code="unknown_command")
        context = CommandContext(app, connection.user_id, connection)
        result = await handler(context, frame.data)
        return _reply("ack", ref, "data", result)
    except ChatError as exc:
        return _reply("error", ref, "error", exc.to_problem())
    except Exception as exc:
        problem, _ = unexpected_error_problem(exc, "a WebSocket command")
        return _reply("error", ref, "error", problem)


def _reply(frame_type: str, ref: str | int | None, key: str, value: Any) -> str:
    frame = {"type": frame_type, "ref": ref, key: value}
    return dumps(frame)


async def ping(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"pong": time.time()}


async def typing(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    """Relay "is typing" to the room's other members. Not stored, not replayed."""
    command = parse(TypingCommand, data, "data")
    room_type, room_id = (
        ("group", command.group_id)
        if command.group_id is not None
        else ("conversation", command.conversation_id)
    )
    members = await first_answer(
        context.app.ctx.plugins.hook.chat_room_members(
            app=context.app, room_type=room_type, room_id=str(room_id), user_id=context.user_id
        )
    )
    if members is None:
        raise NotFound(f"No such {room_type}.", code=f"{room_type}_not_found")
    key = "groupId" if room_type == "group" else "conversationId"
    event = Event(
        "typing",
        {"userId": str(context.user_id), key: str(room_id)},
        frozenset(members) - {context.user_id},
    )
    await context.app.ctx.events.publish(event)
    return {}


CORE_COMMANDS: dict[str, CommandHandler] = {"ping": ping, "typing": typing}
