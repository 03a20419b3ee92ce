"""`Batcher`: what callers ask for concurrently, done in one go.

Message sends on PostgreSQL commit one at a time (their order lock is held to commit, see
`sanic_chat.messages`), each waiting for its own WAL flush. Sends that arrive while a statement
is in flight are gathered and go together in the next one: one round trip, one lock and one
flush for all of them. A lone send still goes at once, so nothing waits for a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# A batch answers for each of its items: a result, or the error that item alone ran into.
Handler = Callable[[list[Item]], Awaitable[list[Result | BaseException]]]


class Batcher(Generic[Item, Result]):
    """Runs `handle` on the items submitted while the previous batch ran, one batch at a time."""

    def __init__(
        self,
        handle: Handler[Item, Result],
        max_items: int = 64,
        waited: Callable[[float], None] | None = None,
    ) -> None:
        self._handle = handle
        self._max_items = max_items
        # Told, for each item, how long it waited for its batch to start (seconds).
        self._waited = waited
        self._waiting: list[tuple[Item, asyncio.Future[Result], float]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, future, loop.time()))
        if self._draining is None:
            # A task of its own: a caller that goes away must not cancel the others' batch.
            self._draining = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_items]
                del self._waiting[: self._max_items]
                if self._waited is not None:
                    now = asyncio.get_running_loop().time()
                    for _, _, submitted in batch:
                        self._waited(now - submitted)
                try:
                    results = await self._handle([item for item, _, _ in batch])
                except BaseException as exc:
                    for _, future, _ in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise  # cancelled: the worker is stopping
                    continue
                for (_, future, _), result in zip(batch, results, strict=True):
                    if future.done():
                        continue  # its caller went away
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining = None
            for _, future, _ in self._waiting:  # only left behind when cancelled
                if not future.done():
                    future.cancel()
            self._waiting.clear()
