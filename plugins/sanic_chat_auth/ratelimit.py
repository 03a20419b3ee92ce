"""Sign-in limits: failed attempts counted in sliding windows, reserved before the password check.

A sign-in takes a slot in each of its windows *before* the slow password check, in all of them
or in none, so N concurrent guesses cannot all pass a limit that each of them saw open. A failed
attempt keeps its slots until they age out of the window; a successful one gives them back.
`MemoryLimiter` counts per worker process; `RedisLimiter` shares the counts between every
worker and host, and falls back to the worker's own counts while Redis does not answer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol
from uuid import uuid4

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from sanic_chat.plugin import Settings

log = logging.getLogger("sanic_chat")


@dataclass(frozen=True, slots=True)
class Window:
    """At most `limit` failed attempts under `key` within any `seconds`."""

    key: str
    limit: int
    seconds: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in: the windows it counts in, and the one a success empties."""

    id: str
    windows: tuple[Window, ...]
    cleared_by_success: str


class LoginLimits:
    """Which windows a sign-in counts in (docs/configuration.md, "Sign-in limits").

    - per account and client address: tight, so one place cannot guess for long, yet a guesser
      elsewhere does not lock the account's owner out;
    - per account from every address: larger and slower, for a guesser spread over many
      addresses;
    - per client address over every account: for one place spraying guesses across accounts.
    """

    def __init__(self, settings: Settings) -> None:
        self._pair = (settings.login_max_failures, settings.login_failure_window)
        self._account = (settings.login_account_max_failures, settings.login_account_failure_window)
        self._address = (settings.login_address_max_failures, settings.login_failure_window)

    def attempt(self, account: str, address: str) -> Attempt:
        address = address_group(address)
        pair = Window(f"pair:{_digest(account, address)}", *self._pair)
        return Attempt(
            id=uuid4().hex,
            windows=(
                pair,
                Window(f"account:{_digest(account)}", *self._account),
                Window(f"address:{_digest(address)}", *self._address),
            ),
            cleared_by_success=pair.key,
        )


def address_group(address: str) -> str:
    """The unit a client address is counted in: one IPv4 address, or one IPv6 /64.

    An IPv6 client usually holds a whole /64 and could take a new address for every guess.
    """
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def _digest(*parts: str) -> str:
    # Keys hold no email address or IP in clear, and have a bounded length.
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


class Limiter(Protocol):
    async def reserve(self, attempt: Attempt) -> int:
        """Count `attempt` in all its windows, or in none if one is full.

        Returns 0 when counted, else the seconds until every full window has room again.
        """

    async def succeeded(self, attempt: Attempt) -> None:
        """Give the attempt's slots back and empty its `cleared_by_success` window."""


class MemoryLimiter:
    """Windows in this worker's memory: the single-worker default, and Redis's fallback."""

    # Keys whose windows have passed are swept once the table has grown past this (then past
    # twice its live size), so a flood of distinct keys costs amortised O(1) per attempt.
    SWEEP_AT = 10_000

    def __init__(self) -> None:
        # key -> (expiry, attempt id), oldest first; never longer than the window's limit.
        self._slots: dict[str, deque[tuple[float, str]]] = {}
        self._sweep_at = self.SWEEP_AT

    async def reserve(self, attempt: Attempt) -> int:
        # No await between the first read and the last write: the event loop runs all of it as
        # one step, which makes the reservation atomic within the worker without a lock.
        now = time.monotonic()
        wait = 0.0
        for window in attempt.windows:
            slots = self._live(window.key, now)
            if len(slots) >= window.limit:
                wait = max(wait, slots[len(slots) - window.limit][0] - now, 1)
        if wait:
            return math.ceil(wait)
        for window in attempt.windows:
            self._slots.setdefault(window.key, deque()).append((now + window.seconds, attempt.id))
        if len(self._slots) > self._sweep_at:
            self._sweep(now)
        return 0

    async def succeeded(self, attempt: Attempt) -> None:
        for window in attempt.windows:
            slots = self._slots.get(window.key)
            if slots:
                self._slots[window.key] = deque(s for s in slots if s[1] != attempt.id)
        self._slots.pop(attempt.cleared_by_success, None)

    def _live(self, key: str, now: float) -> deque[tuple[float, str]]:
        slots = self._slots.get(key, deque())
        while slots and slots[0][0] <= now:
            slots.popleft()
        return slots

    def _sweep(self, now: float) -> None:
        self._slots = {
            key: slots for key, slots in self._slots.items() if slots and slots[-1][0] > now
        }
        self._sweep_at = max(self.SWEEP_AT, 2 * len(self._slots))


# KEYS: one sorted set per window (member: attempt id, score: milliseconds of Redis's clock).
# ARGV: the attempt id, then each window's limit and seconds. Returns 0 when the attempt was
# counted in every window, else the milliseconds until every full window has room again.
# Redis runs a script without interleaving other commands: this is what makes it atomic.
RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1]) * 1000
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + span - now, 1)
  end
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]) * 1000)
end
return 0
"""

# One script call holds a connection for well under a millisecond, so a small pool serves
# hundreds of concurrent sign-ins; it waits for a free connection rather than raising (the
# default pool raised MaxConnectionsError past 100 concurrent calls, a 500 for the client).
POOL_CONNECTIONS = 32
POOL_WAIT_SECONDS = 5.0
# A Redis that stops answering costs a sign-in this long before the fallback takes over.
SOCKET_TIMEOUT_SECONDS = 2.0
# After a failure, sign-ins go straight to the fallback, and one a second tries Redis again: a
# hung Redis would otherwise cost every sign-in the socket timeout.
RETRY_REDIS_EVERY_SECONDS = 1.0
# OSError: socket errors redis-py does not wrap, and TimeoutError.
_REDIS_FAILURES = (RedisError, OSError)


class RedisLimiter:
    """Windows shared by every worker and host through Redis.

    When Redis fails (down, timing out, pool exhausted), sign-in falls back to the worker's own
    windows rather than failing closed: guessing stays bounded (by the number of workers times
    the limits, while the outage lasts), and a Redis blip does not stop everyone from signing
    in. Failing closed would hand anyone who can slow Redis down a way to lock every user out.
    A script that timed out may still run when Redis wakes up: that attempt then counts twice,
    which errs towards limiting too.
    """

    def __init__(self, url: str, namespace: str, fallback: MemoryLimiter) -> None:
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_CONNECTIONS,
            timeout=POOL_WAIT_SECONDS,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            # One immediate retry replaces a connection Redis closed (a restart); retrying a
            # timeout, or backing off, would only delay the fallback.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        self._redis = redis.Redis.from_pool(pool)
        self._reserve = self._redis.register_script(RESERVE)
        self._prefix = f"{namespace}:login:"
        self._fallback = fallback
        self._failing = False
        self._next_try = 0.0

    async def reserve(self, attempt: Attempt) -> int:
        if not self._try_redis():
            return await self._fallback.reserve(attempt)
        args: list[str | int] = [attempt.id]
        for window in attempt.windows:
            args += [window.limit, window.seconds]
        try:
            wait_ms = await self._reserve(keys=[self._key(w) for w in attempt.windows], args=args)
        except _REDIS_FAILURES as exc:
            self._failed(exc)
            return await self._fallback.reserve(attempt)
        self._recovered()
        return math.ceil(int(wait_ms) / 1000)

    async def succeeded(self, attempt: Attempt) -> None:
        # The attempt may have been counted here or, during an outage, in the fallback. Slots
        # that Redis cannot be told about stay counted until their window passes: that errs
        # towards limiting.
        await self._fallback.succeeded(attempt)
        if self._failing:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for window in attempt.windows:
                    pipe.zrem(self._key(window), attempt.id)
                pipe.delete(self._prefix + attempt.cleared_by_success)
                await pipe.execute()
        except _REDIS_FAILURES as exc:
            self._failed(exc)

    async def close(self) -> None:
        await self._redis.aclose()

    def _key(self, window: Window) -> str:
        return self._prefix + window.key

    def _try_redis(self) -> bool:
        now = time.monotonic()
        if now < self._next_try:
            return False
        if self._failing:
            self._next_try = now + RETRY_REDIS_EVERY_SECONDS  # this one probes for the others
        return True

    def _failed(self, exc: Exception) -> None:
        self._next_try = time.monotonic() + RETRY_REDIS_EVERY_SECONDS
        if not self._failing:
            self._failing = True
            log.warning(
                "sign-in limits: Redis failed (%s: %s); counting in this worker until it answers",
                type(exc).__name__,
                exc,
            )

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            self._next_try = 0.0
            log.warning("sign-in limits: Redis answers again; counting there")
