"""The in-memory limiter and how client addresses are grouped, without a server."""

from __future__ import annotations

import pytest

from sanic_chat.config import load_settings
from sanic_chat_auth.ratelimit import LoginLimits, MemoryLimiter, address_group
from tests.settings import TEST_SETTINGS


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2:ffff:ffff:ffff:ffff]", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("unix-socket", "unix-socket"),
    ],
)
def test_addresses_are_counted_per_ipv4_address_or_ipv6_64(address, group):
    assert address_group(address) == group


async def test_counts_survive_a_flood_of_other_names():
    limits = LoginLimits(load_settings(**TEST_SETTINGS, LOGIN_MAX_FAILURES=2))
    limiter = MemoryLimiter()
    victim = [limits.attempt("user:victim", "192.0.2.1") for _ in range(3)]
    assert [await limiter.reserve(attempt) for attempt in victim[:2]] == [0, 0]

    # A success empties its windows; then more distinct names than the table holds before it
    # sweeps, from many addresses.
    owner = limits.attempt("user:owner", "192.0.2.2")
    assert await limiter.reserve(owner) == 0
    await limiter.succeeded(owner)
    for n in range(MemoryLimiter.SWEEP_AT):
        assert (
            await limiter.reserve(limits.attempt(f"username:n{n}", f"10.0.{n // 256}.{n % 256}"))
            == 0
        )

    # The victim's window is still full.
    assert 0 < await limiter.reserve(victim[2]) <= 300
