"""The connection protocol the server runs: Sanic's, with the bounds it lacks.

- **Headers in time.** Sanic restarts its request timer on every byte received, so a client
  sending one byte every few seconds held a connection (and an upgrade to WebSocket) forever,
  and a new connection could stay silent for its keep-alive timeout (two minutes). Here a
  connection's first request must have its headers complete `HANDSHAKE_TIMEOUT` seconds after
  the connection opened; a later one, that long after its first byte.
- **Writes taken in time.** When a peer stops reading, its socket fills, the transport's write
  buffer passes its high-water mark and every write waits: Sanic's WebSocket `send`, `close` and
  keep-alive `ping` all wait for one lock that the blocked writer holds, with no timeout, so the
  connection and everything queued for it stayed forever. Here a transport whose writing stays
  paused for `WRITE_TIMEOUT` seconds is aborted: no close frame could get through its full
  buffer anyway. Aborting ends the waits, and the handler is torn down.
- **Frames read as they are taken.** See `_receive_frames`.
- **Writes without a task switch.** See `write_now`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from typing import Any

from sanic.http import Stage
from sanic.server.protocols.websocket_protocol import WebSocketProtocol

log = logging.getLogger("sanic_chat.protocol")


def write_now(protocol: Any, data: bytes) -> bool:
    """Write `data` on a Sanic protocol's transport at once if it takes writes; else False.

    Sanic's own write (`protocol.send`) is a coroutine behind the WebSocket's lock: a task step
    per frame, which is most of a worker's time when one message fans out to many sockets. A
    whole frame written in one call cannot interleave with another writer's frame, and the
    caller falls back to the waiting write while the socket is full.
    """
    transport = protocol.transport
    if not protocol._can_write.is_set() or transport is None or transport.is_closing():
        return False
    transport.write(data)
    return True


class ChatProtocol(WebSocketProtocol):
    __slots__ = ("_first_request", "_frames_task", "_write_deadline", "write_timeout")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.app.ctx.settings
        # Sanic's REQUEST_TIMEOUT covers the headers only (stage REQUEST); the body and the
        # handler run under RESPONSE_TIMEOUT.
        self.request_timeout = settings.handshake_timeout
        # Until the first bytes arrive, the connection waits for its first request's headers.
        self.keep_alive_timeout = min(self.keep_alive_timeout, settings.handshake_timeout)
        self._first_request = True
        self.write_timeout = settings.write_timeout
        # Sanic's close timeout: how long a closing WebSocket waits for its peer.
        self.websocket_timeout = settings.write_timeout
        self._write_deadline: asyncio.TimerHandle | None = None
        self._frames_task: asyncio.Task[None] | None = None

    async def websocket_handshake(self, request: Any, subprotocols: Any = None) -> Any:
        ws = await super().websocket_handshake(request, subprotocols)
        # Reading is paced by `data_received` below; Sanic's own pausing would resume it early.
        ws.can_pause = False
        return ws

    def data_received(self, data: bytes) -> None:
        if self.websocket is None:
            self._receive_http(data)
        else:
            self._receive_frames(data)

    def _receive_http(self, data: bytes) -> None:
        # While headers are awaited, bytes do not restart the clock; they did in Sanic.
        http = getattr(self, "_http", None)
        awaiting_headers = self._first_request or (http is not None and http.stage is Stage.REQUEST)
        if self._first_request:
            self._first_request = False
            self.keep_alive_timeout = self.app.config.KEEP_ALIVE_TIMEOUT
        started = self._time
        super().data_received(data)
        if awaiting_headers:
            self._time = started

    def _receive_frames(self, data: bytes) -> None:
        """Sanic's WebSocket `data_received`, reading one chunk of frames at a time.

        Sanic read on while earlier frames waited for the handler to take them, each chunk in a
        task of its own: a client sending faster than its commands were handled piled up tasks
        holding its frames, without bound, and they outlived the connection. Here reading pauses
        until the chunk's frames are taken (pongs, sent in reply to pings, included).
        """
        ws = self.websocket
        ws.ws_proto.receive_data(data)
        data_to_send = ws.ws_proto.data_to_send()
        events = ws.ws_proto.events_received()
        if data_to_send or events:
            self.transport.pause_reading()
            self._frames_task = self.loop.create_task(ws.async_data_received(data_to_send, events))
            self._frames_task.add_done_callback(self._frames_taken)

    def _frames_taken(self, task: asyncio.Task[None]) -> None:
        self._frames_task = None
        if not task.cancelled():
            task.exception()  # the connection failed meanwhile: nothing left to report
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_deadline is None:
            self._write_deadline = self.loop.call_later(self.write_timeout, self._writes_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None
        if self._frames_task is not None:
            self._frames_task.cancel()  # it waits for a handler that is going away
        super().connection_lost(exc)

    def _writes_stalled(self) -> None:
        self._write_deadline = None
        if self.transport is not None:
            peer = self.transport.get_extra_info("peername")
            log.warning("dropping %s: it left %ss of writes unread", peer, self.write_timeout)
            # A reset, not a FIN: closing a socket whose peer does not read would leave the
            # kernel holding its unsent bytes (and the peer unaware) until the probes give up.
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # Not SanicProtocol.abort(): it forgets the transport, and writers waiting to
            # resume would then fail on None instead of seeing a closed connection.
            self.transport.abort()
