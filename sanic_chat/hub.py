"""The real-time hub of one worker: its open WebSocket connections and what they are sent.

Every event is encoded once, to the bytes of its WebSocket frame (a server's frames are not
masked, so they are the same for every recipient), and those bytes are written to each recipient
connection: at once while its socket takes writes, else into its queue. Each queue is bounded in
frames and in bytes and drained by one writer task: a client that stops reading is disconnected
when its queue fills (or, when its socket is full, by the protocol's write deadline: see
`protocol.py`), instead of growing the worker's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from websockets.frames import Frame, Opcode
from websockets.protocol import State

from . import metrics
from .events import Event
from .jsoncodec import dumps
from .protocol import write_now

log = logging.getLogger("sanic_chat.hub")

# WebSocket close codes (4000-4999 are the application's).
CLOSE_GOING_AWAY = 1001
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_SLOW = 4429
CLOSE_TOO_MANY_CONNECTIONS = 4409

SEND_QUEUE_FRAMES = 1024
SEND_QUEUE_BYTES = 1024 * 1024


def encode_frame(frame_type: str, data: Any, cursor: int | None = None) -> str:
    frame: dict[str, Any] = {"type": frame_type, "data": data}
    if cursor is not None:
        frame["cursor"] = str(cursor)
    return dumps(frame)


def encode_event(event: Event) -> str:
    return encode_frame(event.name, event.data, event.cursor)


def wire_frame(text: str) -> bytes:
    """`text` as the bytes of an unmasked WebSocket text frame, as a server sends it.

    The server's WebSocket protocol negotiates no extension (no compression), so these bytes
    are exactly what its own `send` would write.
    """
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An event frame on its way to connections: encoded once, with who may receive it."""

    frame: str
    recipients: frozenset[UUID]
    cursor: int | None = None
    # The event's type, for the metrics only.
    kind: str = "event"
    wire: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wire", wire_frame(self.frame))


class Connection:
    """One open WebSocket of one user, with its bounded send queue and its writer."""

    def __init__(
        self,
        ws: Any,
        user_id: UUID,
        queue_frames: int = SEND_QUEUE_FRAMES,
        queue_bytes: int = SEND_QUEUE_BYTES,
    ) -> None:
        self.ws = ws
        self.user_id = user_id
        self._frames: deque[bytes] = deque()
        self._queued_bytes = 0
        self._replayed_up_to = 0
        self._queue_frames = queue_frames
        self._queue_bytes = queue_bytes
        self._has_frames = asyncio.Event()
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._held: list[Outgoing] | None = None
        self._writer: asyncio.Task[None] | None = None
        # True while the writer holds a frame taken from the queue that is not written yet.
        self._writing = False
        self._cut_off_timer: asyncio.TimerHandle | None = None
        self._closer: asyncio.Task | None = None
        self.closing = False

    # While a resuming client's missed events are replayed, live events are held back, then
    # released without the ones the replay already covered. The replay read the database, which
    # may be ahead of this worker's cursor stream: the stream's events up to the replay's last
    # cursor are covered too when they come later, so they are skipped from then on as well.
    def hold_live_events(self) -> None:
        self._held = []

    def release_live_events(self, replayed_up_to: int | None) -> None:
        held, self._held = self._held or [], None
        if replayed_up_to is not None:
            self._replayed_up_to = replayed_up_to
        for outgoing in held:
            self.offer(outgoing)

    def offer(self, outgoing: Outgoing) -> None:
        """Queue a live event frame (or hold it during a replay)."""
        if outgoing.cursor is not None and outgoing.cursor <= self._replayed_up_to:
            return
        if self._held is not None:
            if len(self._held) >= self._queue_frames:
                self.close_soon(CLOSE_TOO_SLOW, "too many events while resuming")
                return
            self._held.append(outgoing)
        else:
            self._push(outgoing.wire)

    def send(self, frame: str) -> None:
        """Send a frame without waiting; a full queue disconnects the slow client."""
        self._push(wire_frame(frame))

    def _push(self, wire: bytes) -> None:
        if self.closing or self.ws.ws_proto.state is not State.OPEN:
            return
        # Nothing queued or in hand: the frame goes out now, unless the socket is full.
        if not self._frames and not self._writing and write_now(self.ws.io_proto, wire):
            return
        if self._full():
            log.warning("closing a connection of %s: it does not read its events", self.user_id)
            self.close_soon(CLOSE_TOO_SLOW, "not reading fast enough")
            return
        self._append(wire)

    async def send_waiting(self, frame: str) -> None:
        """Queue a frame, waiting for room (used for replays, which are bounded)."""
        if await self.wait_for_room():
            self._append(wire_frame(frame))

    async def wait_for_room(self) -> bool:
        """Until the queue has room; False once the connection is closing.

        The command reader waits here before reading the next command, so a client that sends
        commands without reading their answers stops being read instead of filling the queue.
        """
        while self._full() and not self.closing:
            await self._has_room.wait()
        return not self.closing

    def _full(self) -> bool:
        return len(self._frames) >= self._queue_frames or self._queued_bytes >= self._queue_bytes

    def _append(self, wire: bytes) -> None:
        self._frames.append(wire)
        self._queued_bytes += len(wire)
        self._has_frames.set()
        if self._full():
            self._has_room.clear()

    def start_writing(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_frames())

    async def _write_frames(self) -> None:
        """The connection's one writer: drain the queue onto the socket.

        A send waits while the socket is full; a peer that leaves it full past the write
        deadline has its connection aborted by the protocol, which ends the wait.
        """
        while True:
            while not self._frames:
                self._has_frames.clear()
                await self._has_frames.wait()
            wire = self._frames.popleft()
            self._queued_bytes -= len(wire)
            if not self._full():
                self._has_room.set()
            self._writing = True
            try:
                if self.ws.ws_proto.state is not State.OPEN:
                    raise ConnectionError("closed")
                # Sanic's protocol write: it waits while the socket is full.
                await self.ws.io_proto.send(wire)
            except Exception:
                # The connection is gone and its handler is being torn down; nothing will be
                # written any more, so nobody may wait for room (a replay would wait forever).
                self.closing = True
                self._drop_queue()
                return
            finally:
                self._writing = False

    async def finish(self) -> None:
        """Stop the writer and forget what is queued; the handler calls this on its way out."""
        self._drop_queue()
        if self._closer is not None:
            # The handler ends as soon as it sees `closing`; were it to return before the close
            # frame went out, Sanic would close the socket itself, with 1000.
            await asyncio.wait({self._closer}, timeout=self.ws.close_timeout)
        if self._cut_off_timer is not None:
            self._cut_off_timer.cancel()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    def close_soon(self, code: int, reason: str) -> None:
        """Close with `code`: what is still queued is dropped, the close frame goes next.

        A peer gets the socket's close timeout to answer the close frame (its answer ends the
        handler); one that does not is cut off, so a closed connection cannot linger.
        """
        if self.closing:
            return
        self.closing = True
        if code == CLOSE_TOO_SLOW:
            metrics.slow_client_disconnects.inc()
        self._drop_queue()
        loop = asyncio.get_running_loop()
        self._closer = loop.create_task(self.ws.close(code, reason))
        self._closer.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._cut_off_timer = loop.call_later(self.ws.close_timeout, self._cut_off, code, reason)

    def _cut_off(self, code: int, reason: str) -> None:
        if self.ws.ws_proto.state is not State.CLOSED:
            log.warning("cutting off a connection of %s: it did not answer its close", self.user_id)
            self.ws.end_connection(code, reason)

    def _drop_queue(self) -> None:
        self._frames.clear()
        self._queued_bytes = 0
        self._has_room.set()  # wakes the waiters, who see `closing`


class Hub:
    """The connections of this worker, by user."""

    def __init__(self) -> None:
        self._by_user: dict[UUID, set[Connection]] = {}
        self._empty = asyncio.Event()
        self._empty.set()
        # Set when the worker stops: no new connections, and readiness answers 503.
        self.draining = False
        self._commands_under_way = 0
        self._no_commands = asyncio.Event()
        self._no_commands.set()
        self._observers: list[Callable[[Outgoing], None]] = []

    def observe(self, observer: Callable[[Outgoing], None]) -> None:
        """Also hand `observer` every event this worker delivers, in delivery order.

        For another transport served by the worker (a plugin's): it sees what `/ws` clients
        see, from this worker and every other, message events in cursor order. An observer
        must not block; one that raises is logged and skipped.
        """
        self._observers.append(observer)

    def attach(self, connection: Connection) -> None:
        self._by_user.setdefault(connection.user_id, set()).add(connection)
        self._empty.clear()
        metrics.open_connections.inc()

    def connection_count(self, user_id: UUID) -> int:
        return len(self._by_user.get(user_id, ()))

    def detach(self, connection: Connection) -> None:
        connections = self._by_user.get(connection.user_id)
        if connections is None:
            return
        if connection not in connections:
            return
        connections.discard(connection)
        metrics.open_connections.dec()
        if not connections:
            del self._by_user[connection.user_id]
            if not self._by_user:
                self._empty.set()

    def deliver(self, outgoing: Outgoing) -> None:
        """Offer `outgoing` to every local connection of its recipients."""
        started = time.perf_counter()
        sockets = 0
        for user_id in outgoing.recipients:
            for connection in self._by_user.get(user_id, ()):
                connection.offer(outgoing)
                sockets += 1
        metrics.count_fanout(outgoing.kind, sockets, time.perf_counter() - started)
        for observer in self._observers:
            try:
                observer(outgoing)
            except Exception:
                log.exception("hub observer %r failed", observer)

    def connections(self) -> Iterable[Connection]:
        return [c for connections in self._by_user.values() for c in connections]

    def tell_everyone(self, frame: str) -> None:
        """Queue `frame` on every connection of this worker."""
        for connection in self.connections():
            connection.send(frame)

    @contextlib.contextmanager
    def command_under_way(self) -> Iterator[None]:
        """Mark a WebSocket command as running, so a drain lets it finish."""
        self._commands_under_way += 1
        self._no_commands.clear()
        try:
            yield
        finally:
            self._commands_under_way -= 1
            if not self._commands_under_way:
                self._no_commands.set()

    async def drain(self, code: int, reason: str, timeout: float, close_timeout: float) -> None:
        """Stop taking connections, let the commands under way answer (up to `timeout`), then
        close every connection with `code` (waiting up to `close_timeout`)."""
        self.draining = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._no_commands.wait(), timeout)
        await self.close_all(code, reason, close_timeout)

    def reopen(self) -> None:
        """Take connections again after a drain: the same app served again after a stop."""
        self.draining = False

    async def close_all(self, code: int, reason: str, timeout: float) -> None:
        """Close every connection with `code`, waiting up to `timeout` for them to go."""
        for connection in self.connections():
            connection.close_soon(code, reason)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._empty.wait(), timeout)
