"""The WebSocket endpoint `/ws`: the handshake and a connection's life, and the hub's.

What a connection does once open lives beside it: `resume` (the `?since=` replay),
`commands` (reading and answering commands), `presence` (online and offline).

Protocol (see docs/websocket.md): server frames are `{"type", "data", "cursor"?}`; client
commands are `{"type", "ref", "data"}`, answered by `ack` or `error` with the same `ref`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from sanic import Request, Sanic
from sanic.http import Http
from sanic_ext import openapi

from . import metrics
from .awaitables import await_me_maybe
from .broker import Broker, LocalBroker, RedisBroker
from .commands import CORE_COMMANDS, CommandHandler, read_commands
from .config import ConfigError
from .errors import BadRequest, ChatError, is_database_outage
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
from .openapi import responds
from .presence import announce_presence, went_offline
from .resume import replay
from .security import authenticate
from .stream import CursorStream
from .validation import parse_position

log = logging.getLogger("sanic_chat.gateway")

# Frames above this are refused by closing with 1009 (the websockets library enforces it).
MAX_FRAME_BYTES = 64 * 1024
# How long a stopping worker waits for its clients to take the 1001 close.
CLOSE_SECONDS = 5.0
# RFC 6455 "Try Again Later": the handshake needed the database and it did not answer.
CLOSE_TRY_AGAIN = 1013
CLOSE_INTERNAL_ERROR = 1011


def install_gateway(app: Sanic, commands: dict[str, CommandHandler]) -> None:
    """Add `/ws` and the hub (with its cursor stream and broker) to `app`."""
    settings = app.ctx.settings
    app.config.WEBSOCKET_MAX_SIZE = MAX_FRAME_BYTES
    app.config.WEBSOCKET_PING_INTERVAL = settings.ws_ping_interval
    app.config.WEBSOCKET_PING_TIMEOUT = settings.ws_ping_timeout
    # In-flight HTTP requests get as long as WebSocket commands to finish on shutdown.
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = settings.shutdown_timeout
    app.ctx.hub = Hub()
    app.ctx.commands = {**CORE_COMMANDS, **commands}

    async def relay(event: Event) -> None:
        outgoing = Outgoing(encode_event(event), event.recipients, event.cursor, event.name)
        await app.ctx.broker.publish(outgoing)

    app.ctx.events.subscribe(relay)
    # First: the route makes Sanic add its own stop listener, which cancels every WebSocket
    # handler (closing its socket with 1000). Stop listeners run last-added first, so the drain
    # below runs before it, and sockets close with 1001 as documented.
    app.add_websocket_route(websocket, "/ws", name="websocket")

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
            metrics.resyncs.labels("events_missed").inc()
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
        # Drain (docs/operations.md): commands under way answer, then sockets close with 1001;
        # Sanic then stops listening and gives HTTP requests the same time.
        await app.ctx.hub.drain(
            CLOSE_GOING_AWAY, "server shutting down", settings.shutdown_timeout, CLOSE_SECONDS
        )
        await app.ctx.stream.stop()
        await app.ctx.broker.stop()

    @app.on_response
    async def close_while_draining(request: Request, response: Any) -> None:
        # Sanic closes only idle keep-alive connections when it stops: a client sending one
        # request after another would hold a stopping worker open until its main process
        # gives up waiting and kills it. Answered, such a client goes elsewhere.
        if app.ctx.hub.draining and isinstance(request.stream, Http):
            request.stream.keep_alive = False

    @app.after_server_stop
    async def ready_to_serve_again(app: Sanic) -> None:
        # An app served again after a stop (the test client serves one per request) takes
        # connections again.
        app.ctx.hub.reopen()


@openapi.definition(
    summary="Open the WebSocket of live events and commands",
    description=(
        "Upgrade this GET to a WebSocket (`ws://<host>/ws`): Swagger UI cannot open one, use a "
        "WebSocket client. Authenticate with `?token=<accessToken>` (browsers cannot set headers "
        "on a WebSocket), `Authorization: Bearer <accessToken>` or a `token` header; a bad token "
        "closes the socket with code 4401. The first frame is `ready`; events are "
        '`{"type", "data", "cursor"}` frames and commands `{"type", "ref", "data"}`, answered '
        "by an `ack` or an `error` frame carrying a problem document. Every event, command and "
        "close code is listed in the documentation's *WebSocket* section."
    ),
    tag="realtime",
    secured="bearer",
)
@openapi.parameter("token", str, "query", description="The access token, for browsers.")
@openapi.parameter(
    "since",
    str,
    "query",
    description="The last `cursor` you received: the message events after it are replayed "
    "before live ones (or a `resync` frame when too much was missed).",
)
@responds(
    101,
    description="Switching Protocols: the WebSocket is open.",
    errors={
        400: BadRequest("A malformed WebSocket handshake, e.g. without Sec-WebSocket-Key."),
        426: "A plain HTTP request: only a WebSocket upgrade is answered",
    },
    implied=False,
)
async def websocket(request: Request, ws: Any) -> None:
    app = request.app
    settings = app.ctx.settings
    if app.ctx.hub.draining:
        await ws.close(CLOSE_GOING_AWAY, "server shutting down")
        return
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

    connection = Connection(ws, user.id, queue_bytes=settings.ws_send_queue_bytes)
    # Counted and attached with no await in between, so simultaneous handshakes cannot all
    # slip under the cap.
    limit = settings.ws_max_connections_per_user
    if app.ctx.hub.connection_count(user.id) >= limit:
        await ws.close(CLOSE_TOO_MANY_CONNECTIONS, f"at most {limit} connections per user")
        return
    # From here on, live events for this user reach the connection's hold; `ready` is read
    # after that, so a state it reports (read positions, ...) cannot change unannounced
    # between the read and the first live event: a change either is in `ready` or comes after.
    connection.hold_live_events()
    app.ctx.hub.attach(connection)
    try:
        ready = await _ready_data(app, user.id)
    except Exception as exc:
        app.ctx.hub.detach(connection)
        await connection.finish()
        if isinstance(exc, ChatError):  # e.g. the token's user was deleted since it was checked
            await ws.close(CLOSE_UNAUTHORIZED, exc.detail or exc.title)
        else:
            await ws.close(*_close_for(exc, "a WebSocket handshake"))
        return
    if since is not None:
        metrics.resumes.inc()
    connection.start_writing()
    counted = False
    try:
        connection.send(encode_frame("ready", ready))
        if since is None:
            connection.release_live_events(None)
        else:
            try:
                await replay(app, connection, since)
            except Exception as exc:  # nothing was skipped: the client resumes again
                connection.close_soon(*_close_for(exc, "a resume"))
                return
        counted = True
        if await app.ctx.broker.connected(user.id):
            await announce_presence(app, user.id, "online")
        await read_commands(app, connection)
    finally:
        app.ctx.hub.detach(connection)
        await connection.finish()
        if counted:
            await went_offline(app, user.id)


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
