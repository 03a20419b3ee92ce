"""The Batcher on its own: what concurrent callers get back, and what a failure reaches."""

from __future__ import annotations

import asyncio

import pytest

from sanic_chat.batches import Batcher


class Recorder:
    """A handler that records its batches and answers each item by doubling it."""

    def __init__(self, fail_on: set[int] = frozenset(), break_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on
        self.break_on = break_on

    async def __call__(self, items: list[int]) -> list[int | BaseException]:
        self.batches.append(items)
        await asyncio.sleep(0.01)  # a statement in flight: later callers queue meanwhile
        if self.break_on in items:
            raise ConnectionError("database went away")
        return [ValueError(item) if item in self.fail_on else item * 2 for item in items]


async def test_what_arrives_while_a_batch_runs_goes_in_the_next_one():
    handler = Recorder()
    batcher = Batcher(handler)
    first = asyncio.ensure_future(batcher.submit(0))
    await asyncio.sleep(0.001)  # the first batch is in flight
    later = await asyncio.gather(*(batcher.submit(n) for n in range(1, 5)))
    assert (await first, later) == (0, [2, 4, 6, 8])
    assert handler.batches == [[0], [1, 2, 3, 4]]


async def test_batches_are_capped():
    handler = Recorder()
    batcher = Batcher(handler, max_items=2)
    assert await asyncio.gather(*(batcher.submit(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert handler.batches == [[0, 1], [2, 3], [4]]


async def test_an_item_error_reaches_only_its_caller():
    batcher = Batcher(Recorder(fail_on={2}))
    results = await asyncio.gather(*(batcher.submit(n) for n in range(4)), return_exceptions=True)
    assert results[:2] == [0, 2] and results[3] == 6
    assert isinstance(results[2], ValueError)


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_runs():
    handler = Recorder(break_on=1)
    batcher = Batcher(handler)
    first = asyncio.ensure_future(batcher.submit(0))
    await asyncio.sleep(0.001)
    rest = [asyncio.ensure_future(batcher.submit(n)) for n in (1, 2)]
    assert await first == 0
    for future in rest:
        with pytest.raises(ConnectionError):
            await future
    assert await batcher.submit(3) == 6


async def test_a_caller_that_goes_away_does_not_cancel_the_others():
    handler = Recorder()
    batcher = Batcher(handler)
    leaving = asyncio.ensure_future(batcher.submit(0))
    staying = asyncio.ensure_future(batcher.submit(1))
    await asyncio.sleep(0.001)
    leaving.cancel()
    assert await staying == 2
    assert handler.batches == [[0, 1]]
    assert await batcher.submit(2) == 4
