"""Counting failed logins per key in fixed windows, in memory or in Redis.

In memory the count is per worker process; with `REDIS_URL` set every worker and host shares it.
"""

from __future__ import annotations

import time
from typing import Protocol


class FailureCounter(Protocol):
    async def count(self, key: str) -> tuple[int, int]:
        """Failures recorded for `key` in its current window, and seconds until it resets."""

    async def add(self, key: str) -> None: ...

    async def clear(self, key: str) -> None: ...


class MemoryFailureCounter:
    # Expired windows are swept once the table grows past this, so a flood of distinct keys
    # cannot grow memory without bound for longer than one window.
    SWEEP_AT = 10_000

    def __init__(self, window: int) -> None:
        self._window = window
        self._failures: dict[str, tuple[int, float]] = {}

    async def count(self, key: str) -> tuple[int, int]:
        failures, resets_at = self._failures.get(key, (0, 0.0))
        remaining = resets_at - time.monotonic()
        return (failures, int(remaining) + 1) if remaining > 0 else (0, 0)

    async def add(self, key: str) -> None:
        now = time.monotonic()
        failures, resets_at = self._failures.get(key, (0, 0.0))
        if resets_at <= now:
            failures, resets_at = 0, now + self._window
        self._failures[key] = (failures + 1, resets_at)
        if len(self._failures) > self.SWEEP_AT:
            self._failures = {k: v for k, v in self._failures.items() if v[1] > now}

    async def clear(self, key: str) -> None:
        self._failures.pop(key, None)


class RedisFailureCounter:
    PREFIX = "sanic-chat:login-failures:"

    def __init__(self, redis, window: int) -> None:  # redis.asyncio.Redis
        self._redis = redis
        self._window = window

    async def count(self, key: str) -> tuple[int, int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            failures, ttl = await pipe.get(self.PREFIX + key).ttl(self.PREFIX + key).execute()
        return int(failures or 0), max(int(ttl), 0)

    async def add(self, key: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            await (
                pipe.incr(self.PREFIX + key)
                .expire(self.PREFIX + key, self._window, nx=True)
                .execute()
            )

    async def clear(self, key: str) -> None:
        await self._redis.delete(self.PREFIX + key)
