"""Domain events and the in-process bus that carries them after a change commits.

Feature services publish one `Event` per state change, named as on the wire
(`group.message.create`, ...), with the ids of every user entitled to see it. Subscribers are
the `chat_event_published` hook and, in a worker that serves WebSockets, the real-time hub.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from .awaitables import await_me_maybe

log = logging.getLogger("sanic_chat")

Subscriber = Callable[["Event"], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class Event:
    """One committed state change: wire name, JSON-ready payload, who may see it.

    `cursor` is set on message events (create, edit, delete): the position of the change in the
    one total order of message changes, which clients hand back to resume (`?since=`).
    """

    name: str
    data: dict[str, Any]
    recipients: frozenset[UUID] = field(default_factory=frozenset)
    cursor: int | None = None


class EventBus:
    """Delivers each published event to every subscriber, in subscription order.

    A failing subscriber is logged and skipped: the change it reports has already committed, and
    one observer's bug must not hide the event from the others.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add `subscriber`; return a function that removes it again."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def publish(self, event: Event) -> None:
        for subscriber in tuple(self._subscribers):
            try:
                await await_me_maybe(subscriber(event))
            except Exception:
                log.exception("Event subscriber %r failed on %s", subscriber, event.name)
