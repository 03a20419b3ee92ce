"""Message events delivered in cursor order, with gaps filled from the database.

Every message change takes the next position of one order under a lock held until it commits
(see `messages`), so once a change is visible every change with a smaller cursor is too. Each
worker delivers message events to its connections strictly in that order: an event that arrives
early, from this worker's own sends or from another worker through the broker, waits until
every position before it is accounted for. A position still missing after `gap_wait` (its event
went down with a broker outage or a killed worker, or a rolled-back insert used the position
and nothing will ever fill it) is settled by reading the database, which holds every committed
change: see `changes.ChangeLog.read_after`. A periodic look at the newest cursor in the
database catches a missing change that no later event reveals.

So the cursor of every event a client receives is a safe place to resume from: every change
before it was delivered first. The broker carries events quickly; it is no longer the only way
they arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from .changes import Change
from .hub import Outgoing

log = logging.getLogger("sanic_chat.stream")

# How long a missing position may hold back the events after it before the database is read.
# Events from other workers normally arrive within a few milliseconds of each other.
GAP_WAIT = 0.25
# How often the newest cursor in the database is read, to catch a change no event announced.
POLL_EVERY = 1.0
# Early events held while a position is missing; past this they are dropped and read back from
# the database instead, so a long outage cannot grow the worker's memory.
MAX_WAITING = 10_000
# Most changes read from the database at once while filling a gap.
FILL_BATCH = 500
# How long a starting worker waits for the database before serving without it.
START_SECONDS = 5.0

Deliver = Callable[[Outgoing], None]
# At most n changes after a cursor, oldest first, and the cursor they reach.
ReadAfter = Callable[[int, int], Awaitable[tuple[list[Change], int]]]
Newest = Callable[[], Awaitable[int]]


class CursorStream:
    """Puts the message events of one worker in cursor order before the hub delivers them."""

    def __init__(
        self,
        deliver: Deliver,
        read_after: ReadAfter,
        newest: Newest,
        gap_wait: float = GAP_WAIT,
        poll_every: float = POLL_EVERY,
    ) -> None:
        self._deliver = deliver
        self._read_after = read_after
        self._newest = newest
        self._gap_wait = gap_wait
        self._poll_every = poll_every
        # Every change up to this cursor has been delivered (or was before this worker started).
        self.position = 0
        self._waiting: dict[int, Outgoing] = {}
        # A cursor known to exist beyond `position`, and since when it has been missing.
        self._behind: tuple[int, float] | None = None
        self._woken = asyncio.Event()
        self._known = asyncio.Event()  # `position` has been read from the database
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    async def start(self) -> None:
        """Start after every change the database already holds (once it answers)."""
        self._task = asyncio.get_running_loop().create_task(self._watch())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._known.wait()), START_SECONDS)

    async def stop(self) -> None:
        # The flag as well as the cancel: Python 3.11's wait_for can swallow a cancellation
        # that lands as the event it waits for is set.
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def offer(self, outgoing: Outgoing) -> None:
        """Deliver `outgoing` now if it is next in order; otherwise hold it until it is."""
        cursor = outgoing.cursor
        assert cursor is not None, "only message events carry a cursor"
        if not self._known.is_set():
            return  # nothing can be sent before the database answers; it will be read back
        if cursor <= self.position:
            return  # already delivered, or read from the database
        if len(self._waiting) >= MAX_WAITING:
            log.warning("%d events wait for an earlier one: reading them back", MAX_WAITING)
            self._waiting.clear()
        self._waiting[cursor] = outgoing
        self._release_in_order()
        if self._waiting:
            self._note_behind(min(self._waiting))

    def _release_in_order(self) -> None:
        while (outgoing := self._waiting.pop(self.position + 1, None)) is not None:
            self.position += 1
            self._deliver(outgoing)

    def _note_behind(self, cursor: int) -> None:
        if self._behind is None:
            self._behind = (cursor, asyncio.get_running_loop().time())
            self._woken.set()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._known.is_set() and not self._stopped:
            try:
                self.position = await self._newest()
                self._known.set()
            except Exception as exc:  # the worker still serves: health reports the outage
                log.warning("could not read the newest cursor (retrying): %r", exc)
                await asyncio.sleep(self._poll_every)
        while not self._stopped:
            if self._behind is None:
                self._woken.clear()
                try:
                    await asyncio.wait_for(self._woken.wait(), self._poll_every)
                except asyncio.TimeoutError:
                    await self._poll()
                continue
            cursor, since = self._behind
            if self.position >= cursor:
                self._behind = None
                if self._waiting:
                    self._note_behind(min(self._waiting))
                continue
            wait = since + self._gap_wait - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self._fill()

    async def _poll(self) -> None:
        try:
            newest = await self._newest()
        except Exception as exc:  # the database is away: sends fail too, nothing is lost
            log.warning("could not read the newest cursor: %r", exc)
            return
        if newest > self.position:
            self._note_behind(newest)

    async def _fill(self) -> None:
        """Read what is missing after `position` from the database and deliver it in order."""
        try:
            changes, reached = await self._read_after(self.position, FILL_BATCH)
        except Exception as exc:
            log.warning("could not read missed changes (retrying): %r", exc)
            self._behind = None
            self._note_behind(self.position + 1)
            return
        # Events may have been delivered while the database answered: skip what they covered.
        # Every message created after `delivered` is new to this worker's clients, whatever
        # this batch delivers before it: a message created in the gap and changed since (a
        # reaction) is read at its later cursor, after messages created after it.
        delivered = self.position
        for change in changes:
            if change.cursor > self.position:
                # A create if this worker has not delivered the message yet, else an edit.
                outgoing = change.outgoing(seen_up_to=delivered)
                self.position = change.cursor
                self._deliver(outgoing)
        self.position = max(self.position, reached)
        for cursor in [cursor for cursor in self._waiting if cursor <= self.position]:
            del self._waiting[cursor]
        self._release_in_order()
        self._behind = None
        if len(changes) >= FILL_BATCH:  # more to read: go on at once
            self._behind = (self.position + 1, asyncio.get_running_loop().time() - self._gap_wait)
        elif self._waiting:
            self._note_behind(min(self._waiting))
