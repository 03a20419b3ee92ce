"""Carrying events between workers and hosts, and counting who is online across them.

`LocalBroker` serves the single-process default. `RedisBroker` publishes every event on one
pub/sub channel per database that every worker reads. Redis pub/sub is at-most-once. For
message events that costs only time: each worker delivers them in cursor order and reads a
missing one from the database (`stream.CursorStream`). Other events (room changes, typing,
presence) have no second path, so a worker that may have missed some, after its subscription
dropped or when a publisher's numbering skips, tells its clients through `on_lost`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from . import metrics
from .hub import Outgoing
from .jsoncodec import dumps, loads

log = logging.getLogger("sanic_chat.broker")

RECONNECT_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)
# Events waiting for Redis. Past this, new ones are not sent: the numbering gap tells the other
# workers, rather than this worker's memory growing while Redis is down.
OUTBOX_EVENTS = 10_000
# How long a stopping worker waits for its last events to reach Redis.
FLUSH_SECONDS = 2.0

Deliver = Callable[[Outgoing], None]
Lost = Callable[[str], None]


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, outgoing: Outgoing) -> None:
        """Deliver to this worker's connections and to every other worker's."""

    async def connected(self, user_id: UUID) -> bool:
        """Count a new connection of `user_id`; True if it is the user's first anywhere."""

    async def disconnected(self, user_id: UUID) -> bool:
        """Count a closed connection; True if the user has none left anywhere."""

    async def online_count(self) -> int:
        """How many users have a connection anywhere."""


class LocalBroker:
    """One process: delivery is a function call, presence a counter."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self._connections: Counter[UUID] = Counter()

    async def start(self) -> None:
        metrics.broker_connected.set(1)

    async def stop(self) -> None:
        pass

    async def publish(self, outgoing: Outgoing) -> None:
        self._deliver(outgoing)

    async def connected(self, user_id: UUID) -> bool:
        self._connections[user_id] += 1
        return self._connections[user_id] == 1

    async def disconnected(self, user_id: UUID) -> bool:
        self._connections[user_id] -= 1
        if self._connections[user_id] <= 0:
            del self._connections[user_id]
            return True
        return False

    async def online_count(self) -> int:
        return len(self._connections)


class RedisBroker:
    """Workers and hosts joined through Redis pub/sub (one subscription per worker)."""

    def __init__(self, deliver: Deliver, on_lost: Lost, url: str, namespace: str) -> None:
        import redis.asyncio as redis

        self._deliver = deliver
        self._on_lost = on_lost
        self._channel = f"{namespace}:events"
        self._presence_key = f"{namespace}:presence"
        self._redis = redis.from_url(url)
        self._origin = uuid.uuid4().hex
        self._published = 0
        self._last_seen: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX_EVENTS)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read_forever()),
            loop.create_task(self._publish_forever()),
        ]
        # Serve only once subscribed, so nothing published after start-up is missed.
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        # Events published just before the stop still go out, if Redis takes them in time.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._outbox.join(), FLUSH_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    async def publish(self, outgoing: Outgoing) -> None:
        # This worker's connections get it at once, whatever happens to Redis.
        self._deliver(outgoing)
        self._published += 1
        # "<origin> <number> <json>": a worker skips its own events without decoding them.
        body = dumps(
            {
                "frame": outgoing.frame,
                "to": list(outgoing.recipients),
                "cursor": outgoing.cursor,
                "type": outgoing.kind,
                "at": time.time(),
            }
        )
        message = f"{self._origin} {self._published} {body}"
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            log.error("Redis outbox full: dropping an event (other workers will resync)")

    async def _publish_forever(self) -> None:
        # One publisher per worker keeps its events numbered in order on the channel. A batch
        # Redis did not take is sent again: the receivers ignore message events they already
        # have, and room events arrive late rather than not at all.
        failures = 0
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 256:
                batch.append(self._outbox.get_nowait())
            while True:
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for message in batch:
                            pipe.publish(self._channel, message)
                        await pipe.execute()
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                    failures += 1
                    log.error("could not publish %d events to Redis (%s)", len(batch), exc)
                    await asyncio.sleep(delay)
            failures = 0

    # Presence is best effort: without Redis a connection still works, it is only not announced.
    async def connected(self, user_id: UUID) -> bool:
        try:
            return await self._redis.hincrby(self._presence_key, str(user_id), 1) == 1
        except Exception as exc:
            log.warning("presence not counted (Redis: %s)", exc)
            return False

    async def disconnected(self, user_id: UUID) -> bool:
        try:
            left = await self._redis.hincrby(self._presence_key, str(user_id), -1)
            if left <= 0:
                await self._redis.hdel(self._presence_key, str(user_id))
                return True
        except Exception as exc:
            log.warning("presence not counted (Redis: %s)", exc)
        return False

    async def online_count(self) -> int:
        return await self._redis.hlen(self._presence_key)

    async def _read_forever(self) -> None:
        failures = 0
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    if failures:
                        # Whatever was published while we were away is lost to this worker.
                        self._on_lost("event broker reconnected")
                        self._last_seen.clear()
                    failures = 0
                    self._subscribed.set()
                    metrics.broker_connected.set(1)
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                metrics.broker_connected.set(0)
                if not failures:
                    metrics.broker_reconnects.inc()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.error("event broker connection lost (%s); retrying in %.2fs", exc, delay)
                await asyncio.sleep(delay)

    def _receive(self, raw: bytes) -> None:
        try:
            origin, number_text, body = raw.decode().split(" ", 2)
            if origin == self._origin:
                return  # delivered locally when published
            number = int(number_text)
            message = loads(body)
            outgoing = Outgoing(
                message["frame"],
                frozenset(UUID(user_id) for user_id in message["to"]),
                message["cursor"],
                message.get("type", "event"),
            )
            sent_at = message.get("at")
        except (ValueError, KeyError, TypeError):
            log.error("dropping a malformed broker message")
            return
        last = self._last_seen.get(origin)
        if last is not None and number <= last:
            return  # sent again after a failed publish that Redis had partly taken
        self._last_seen[origin] = number
        if last is not None and number != last + 1:
            self._on_lost(f"missed {number - last - 1} events from a worker")
        if isinstance(sent_at, float):
            metrics.broker_lag_seconds.observe(max(time.time() - sent_at, 0.0))
        self._deliver(outgoing)
