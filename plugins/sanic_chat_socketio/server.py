"""One worker's Socket.IO server: who may connect, and the seed's events relayed to them.

Events reach it the way they reach `/ws`: the worker's hub hands over every event it delivers,
from this worker and (through the broker) from every other, message events in cursor order. So
Socket.IO adds no pub/sub of its own: python-socketio's default in-process manager suffices, and
each worker emits only to its own sockets. Long-polling keeps a session's state in the worker
that opened it, so several workers behind one address need sticky sessions for it; the websocket
transport (`transports: ["websocket"]`) needs none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import socketio
from sanic import Request, Sanic
from websockets.exceptions import ConnectionClosed

from sanic_chat import BadRequest, ChatError, Conflict, NotFound, Unauthorized
from sanic_chat.plugin import Outgoing, Unavailable, first_answer, loads, unexpected_error_problem

from .seed import translate

log = logging.getLogger("sanic_chat.socketio")

# The seed's Engine.IO handshake: socket.io 4.8's defaults.
PING_INTERVAL = 25
PING_TIMEOUT = 60
MAX_PAYLOAD = 1_000_000
# Events waiting to be emitted; past this the oldest are dropped (and logged) rather than letting
# the worker's memory grow while something holds the relay up.
RELAY_QUEUE_EVENTS = 10_000


class Refused(socketio.exceptions.ConnectionRefusedError):
    """A refused connection: the client's `connect_error` has `message` and `data` (a problem)."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem["title"], problem)


def token_of(request: Request, auth: Any) -> str | None:
    """The access token: the seed's `token` header, `auth: {token}` (what the seed's README
    tells clients to send), `Authorization: Bearer`, or `?token=`."""
    candidates = [request.headers.get("token")]
    if isinstance(auth, Mapping):
        candidates.append(auth.get("token"))
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        candidates.append(credentials)
    candidates.append(request.args.get("token"))
    for candidate in candidates:
        if isinstance(candidate, str):
            # Some clients put `Bearer ` in the `token` header or the auth object too.
            token = candidate.removeprefix("Bearer ").strip()
            if token:
                return token
    return None


class SocketIOServer:
    """The Socket.IO endpoint of one app (one worker) and its relay of the seed's events."""

    def __init__(self, app: Sanic) -> None:
        self._app = app
        self.sio = socketio.AsyncServer(
            async_mode="sanic",
            # CORS is the app's (CORS_ORIGINS), as for every other route.
            cors_allowed_origins=[],
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            max_http_buffer_size=MAX_PAYLOAD,
        )
        self._users: dict[str, UUID] = {}  # sid -> user
        self._sids: dict[UUID, set[str]] = {}  # user -> this worker's sids
        self._queue: asyncio.Queue[Outgoing] | None = None
        self._relay: asyncio.Task[None] | None = None
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("onGroupJoin", self._group_join)
        self.sio.on("onGroupLeave", self._group_leave)

    async def handle_request(self, request: Request) -> Any:
        """Answer a polling request, or run a websocket session until it ends.

        A websocket session runs as Sanic runs its own WebSocket handlers: in a task of its own,
        which the end of the connection (Sanic cancels the request's task then) does not cut
        short, so Engine.IO closes the session itself; and with no HTTP response after it.
        """
        if request.headers.get("upgrade", "").lower() != "websocket":
            return await self.sio.handle_request(request)
        session = asyncio.ensure_future(self.sio.handle_request(request))
        session.add_done_callback(_log_failure)
        request.app.websocket_tasks.add(session)
        try:
            await asyncio.shield(session)
        except (asyncio.CancelledError, ConnectionClosed):
            pass
        finally:
            request.app.websocket_tasks.discard(session)
        return None

    # ---- life cycle (per worker)

    async def start(self) -> None:
        self._queue = asyncio.Queue(RELAY_QUEUE_EVENTS)
        self._relay = asyncio.get_running_loop().create_task(self._relay_forever())

    async def stop(self) -> None:
        for sid in list(self._users):
            with contextlib.suppress(Exception):
                await self.sio.disconnect(sid)
        await self.sio.shutdown()
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay

    # ---- connections

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        # Whatever goes wrong is the client's `connect_error`; the server goes on.
        try:
            user_id = await self._admit(environ["sanic.request"], auth)
        except ChatError as exc:
            raise Refused(exc.to_problem()) from None
        except Exception as exc:
            raise Refused(unexpected_error_problem(exc, "a Socket.IO handshake")[0]) from None
        self._users[sid] = user_id
        self._sids.setdefault(user_id, set()).add(sid)
        # Sent before the CONNECT packet; the client holds it until it is connected.
        await self.sio.emit("connected", {}, to=sid)

    async def _admit(self, request: Request, auth: Any) -> UUID:
        """The user a new connection belongs to, or the ChatError that refuses it."""
        settings = self._app.ctx.settings
        token = token_of(request, auth)
        if token is None:
            raise Unauthorized(
                "Send the access token as `auth: {token}` or in the `token` header.",
                code="missing_token",
            )
        try:
            user = await asyncio.wait_for(
                self._app.ctx.auth.existing_user(token), settings.handshake_timeout
            )
        except asyncio.TimeoutError:
            raise Unavailable(
                "Authentication took too long; reconnect.", code="handshake_timeout"
            ) from None
        limit = settings.ws_max_connections_per_user
        if len(self._sids.get(user.id, ())) >= limit:
            raise Conflict(f"At most {limit} connections per user.", code="too_many_connections")
        return user.id

    async def _disconnect(self, sid: str, *reason: Any) -> None:
        user_id = self._users.pop(sid, None)
        if user_id is None:
            return
        sids = self._sids.get(user_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._sids[user_id]

    # The seed declares these but never handles them. Delivery follows membership whatever the
    # client joins, so they only check the group is the caller's and say so.
    async def _group_join(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._membership_ack(sid, data)

    async def _group_leave(self, sid: str, data: Any = None) -> dict[str, Any]:
        return await self._membership_ack(sid, data)

    async def _membership_ack(self, sid: str, data: Any) -> dict[str, Any]:
        try:
            return {"id": str(await self._own_group(self._users[sid], data))}
        except ChatError as exc:
            return {"error": exc.to_problem()}
        except Exception as exc:
            return {"error": unexpected_error_problem(exc, "a Socket.IO event")[0]}

    async def _own_group(self, user_id: UUID, data: Any) -> UUID:
        try:
            group_id = UUID(str(data["id"]))
        except (TypeError, KeyError, ValueError):
            raise BadRequest("Send `{id}`: the id of a group.", code="malformed_event") from None
        members = await first_answer(
            self._app.ctx.plugins.hook.chat_room_members(
                app=self._app, room_type="group", room_id=str(group_id), user_id=user_id
            )
        )
        if members is None or user_id not in members:
            raise NotFound("No such group.", code="group_not_found")
        return group_id

    # ---- events

    def offer(self, outgoing: Outgoing) -> None:
        """Take an event the hub delivered (never blocks; see `Hub.observe`)."""
        if self._queue is None or self._sids.keys().isdisjoint(outgoing.recipients):
            return
        if self._queue.full():
            self._queue.get_nowait()
            log.warning("Socket.IO relay queue full: dropping its oldest event")
        self._queue.put_nowait(outgoing)

    async def _relay_forever(self) -> None:
        assert self._queue is not None
        while True:
            outgoing = await self._queue.get()
            try:
                await self._emit(outgoing)
            except Exception:
                log.exception("could not relay an event to Socket.IO clients")

    async def _emit(self, outgoing: Outgoing) -> None:
        frame = loads(outgoing.frame)
        for event in translate(frame["type"], frame["data"], outgoing.recipients):
            for user_id in event.recipients:
                for sid in tuple(self._sids.get(user_id, ())):
                    await self.sio.emit(event.name, event.payload, to=sid)


def _log_failure(session: asyncio.Task[Any]) -> None:
    if not session.cancelled() and session.exception() is not None:
        log.error("a Socket.IO websocket session failed", exc_info=session.exception())
