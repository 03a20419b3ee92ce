"""Sign-in limits on a live server, counted in memory (one worker) and in Redis (two workers).

Guesses are fired concurrently: the limits must hold however many arrive at once. Sanic is told
there is one proxy in front (`SANIC_PROXIES_COUNT=1`), so each test picks its client addresses
with `X-Forwarded-For`; the addresses are unique per test, so tests sharing Redis (or a server)
do not spend each other's allowance.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import redis.asyncio as redis

from tests.live import live_server
from tests.problem import assert_problem
from tests.settings import PASSWORD

PAIR_LIMIT = 5  # per account and address
ACCOUNT_LIMIT = 15  # per account, every address
ADDRESS_LIMIT = 40  # per address, every account
WINDOW = 300

LIMITS = {
    "SANIC_PROXIES_COUNT": "1",
    "LOGIN_MAX_FAILURES": str(PAIR_LIMIT),
    "LOGIN_FAILURE_WINDOW": str(WINDOW),
    "LOGIN_ACCOUNT_MAX_FAILURES": str(ACCOUNT_LIMIT),
    "LOGIN_ACCOUNT_FAILURE_WINDOW": "3600",
    "LOGIN_ADDRESS_MAX_FAILURES": str(ADDRESS_LIMIT),
}


def new_addresses() -> Iterator[str]:
    """Client addresses nobody else uses: each in its own IPv6 /64 of a random fd00::/8 range."""
    prefix = uuid.uuid4().int >> 88  # 40 random bits
    head = f"fd{prefix >> 32:02x}:{prefix >> 16 & 0xFFFF:x}:{prefix & 0xFFFF:x}"
    return (f"{head}:{network:x}::1" for network in range(65536))


@pytest.fixture(
    scope="module",
    params=[(None, 1), ("redis", 1), ("redis", 2)],
    ids=["memory", "redis", "redis-x2"],
)
def server(request, server_env, tmp_path_factory):
    """One worker counting in memory; one worker on Redis (all guesses through one Redis
    pool); two workers on Redis (the counts must be shared)."""
    store, workers = request.param
    env = {**server_env, **LIMITS}
    if store == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    with live_server(env, workers=workers, cwd=tmp_path_factory.mktemp("limits")) as running:
        yield running


@pytest.fixture
async def http(server):
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    async with httpx.AsyncClient(base_url=server.http, limits=limits, timeout=60) as client:
        yield client


async def new_account(http: httpx.AsyncClient) -> dict[str, str]:
    username = f"limit_{uuid.uuid4().hex[:12]}"
    account = {"username": username, "email": f"{username}@example.test"}
    response = await http.post("/api/auth/register", json={**account, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return account


async def login(http, address: str, password: str, **identifier: str) -> httpx.Response:
    return await http.post(
        "/api/auth/login",
        json={**identifier, "password": password},
        headers={"X-Forwarded-For": address},
    )


async def guess_at_once(server, attempts: list[tuple[str, dict[str, str]]]) -> Counter:
    """Fire every (address, identifier) wrong guess at once; count the statuses.

    Each guess has its own connection, all open before the first request is written, so the
    requests reach the server within milliseconds of each other (a client's pool trickles them).
    """
    connections = await asyncio.gather(
        *(asyncio.open_connection("127.0.0.1", server.port) for _ in attempts)
    )
    for (_, writer), (address, identifier) in zip(connections, attempts, strict=True):
        body = json.dumps({**identifier, "password": "wrong password"}).encode()
        head = (
            "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Forwarded-For: {address}\r\n\r\n"
        )
        writer.write(head.encode() + body)
    responses = await asyncio.gather(*(read_response(*connection) for connection in connections))
    for response in responses:
        if response.status_code == 429:
            problem = assert_problem(response, 429, "login_rate_limited")
            assert 0 < int(response.headers["retry-after"]) <= 3600, problem
        elif response.status_code == 401:
            assert_problem(response, 401, "invalid_credentials")
    return Counter(response.status_code for response in responses)


async def read_response(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    """The response on a `Connection: close` connection, as an httpx.Response."""
    raw = await asyncio.wait_for(reader.read(), timeout=60)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
    return httpx.Response(int(status_line.split()[1]), headers=headers, content=body)


@pytest.mark.parametrize("guesses", [30, 200])
async def test_concurrent_guesses_from_one_address_stop_at_the_limit(server, http, guesses):
    account = await new_account(http)
    address = next(new_addresses())
    statuses = await guess_at_once(server, [(address, {"username": account["username"]})] * guesses)
    assert statuses == {401: PAIR_LIMIT, 429: guesses - PAIR_LIMIT}

    # The right password from that address waits too, by either identifier.
    for identifier in ({"username": account["username"]}, {"email": account["email"]}):
        response = await login(http, address, PASSWORD, **identifier)
        assert_problem(response, 429, "login_rate_limited")


async def test_the_owner_signs_in_while_a_guesser_is_refused(server, http):
    account = await new_account(http)
    guesser, owner = itertools.islice(new_addresses(), 2)
    statuses = await guess_at_once(server, [(guesser, {"email": account["email"]})] * 20)
    assert statuses == {401: PAIR_LIMIT, 429: 20 - PAIR_LIMIT}

    response = await login(http, owner, PASSWORD, username=account["username"])
    assert response.status_code == 200, response.text
    response = await login(http, guesser, PASSWORD, username=account["username"])
    assert_problem(response, 429, "login_rate_limited")


async def test_a_success_clears_the_account_and_address_count(server, http):
    account = await new_account(http)
    address = next(new_addresses())
    for _ in range(PAIR_LIMIT - 1):
        response = await login(http, address, "wrong password", username=account["username"])
        assert_problem(response, 401)
    response = await login(http, address, PASSWORD, email=account["email"])
    assert response.status_code == 200, response.text
    statuses = await guess_at_once(server, [(address, {"username": account["username"]})] * 8)
    assert statuses == {401: PAIR_LIMIT, 429: 8 - PAIR_LIMIT}


async def test_a_guesser_spread_over_many_addresses_meets_the_account_limit(server, http):
    account = await new_account(http)
    addresses = new_addresses()
    # Fewer guesses per address than the pair limit: only the account limit can stop them.
    spread = itertools.islice(addresses, 50)
    attempts = [(address, {"username": account["username"]}) for address in spread for _ in "abcd"]
    statuses = await guess_at_once(server, attempts)
    assert statuses == {401: ACCOUNT_LIMIT, 429: 200 - ACCOUNT_LIMIT}

    # The right password by the other identifier, from an address that never guessed: refused
    # until the account window has room again.
    response = await login(http, next(addresses), PASSWORD, email=account["email"])
    problem = assert_problem(response, 429, "login_rate_limited")
    assert 0 < int(response.headers["retry-after"]) <= 3600, problem


async def test_unknown_names_are_limited_like_accounts(server, http):
    address = next(new_addresses())
    ghost = {"username": f"ghost_{uuid.uuid4().hex[:12]}"}
    statuses = await guess_at_once(server, [(address, ghost)] * 12)
    assert statuses == {401: PAIR_LIMIT, 429: 12 - PAIR_LIMIT}


async def test_one_address_spraying_many_accounts_meets_the_address_limit(server, http):
    address = next(new_addresses())
    names = [{"username": f"spray_{uuid.uuid4().hex[:12]}"} for _ in range(60)]
    statuses = await guess_at_once(server, [(address, name) for name in names])
    assert statuses == {401: ADDRESS_LIMIT, 429: 60 - ADDRESS_LIMIT}


async def test_addresses_in_one_ipv6_64_count_as_one(server, http):
    account = await new_account(http)
    network = next(new_addresses()).removesuffix("::1")
    attempts = [(f"{network}:{host:x}::1", {"username": account["username"]}) for host in range(12)]
    statuses = await guess_at_once(server, attempts)
    assert statuses == {401: PAIR_LIMIT, 429: 12 - PAIR_LIMIT}
    response = await login(http, f"{network}:ffff::9", PASSWORD, username=account["username"])
    assert_problem(response, 429, "login_rate_limited")


# ---- Redis going away


async def test_without_redis_the_worker_keeps_limiting_and_never_answers_500(
    server_env, private_redis, tmp_path
):
    env = {**server_env, **LIMITS, "REDIS_URL": private_redis.url}
    with live_server(env, cwd=tmp_path) as server:
        limits = httpx.Limits(max_connections=250)
        async with httpx.AsyncClient(base_url=server.http, limits=limits, timeout=60) as http:
            account = await new_account(http)
            guesser, owner = "192.0.2.1", "192.0.2.2"  # this Redis is the test's own

            private_redis.kill()
            statuses = await guess_at_once(server, [(guesser, {"email": account["email"]})] * 200)
            assert statuses == {401: PAIR_LIMIT, 429: 200 - PAIR_LIMIT}
            response = await login(http, owner, PASSWORD, username=account["username"])
            assert response.status_code == 200, response.text
            assert "sign-in limits: Redis failed" in server.log()

            # Back on Redis (tried again once a second), the counts are kept there again.
            private_redis.start()
            store = redis.from_url(private_redis.url)
            try:
                for address in itertools.islice(new_addresses(), 30):
                    ghost = f"ghost_{uuid.uuid4().hex[:12]}"
                    response = await login(http, address, "wrong password", username=ghost)
                    assert_problem(response, 401, "invalid_credentials")
                    if await store.keys("sanic-chat:*:login:*"):
                        break
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError("the limits did not go back to Redis")
            finally:
                await store.aclose()
            assert "sign-in limits: Redis answers again" in server.log()


async def test_a_hung_redis_costs_seconds_not_500s(server_env, private_redis, tmp_path):
    env = {**server_env, **LIMITS, "REDIS_URL": private_redis.url}
    with live_server(env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http, timeout=60) as http:
            account = await new_account(http)
            guesser, owner = "192.0.2.1", "192.0.2.2"  # this Redis is the test's own

            private_redis.process.send_signal(signal.SIGSTOP)  # accepts, never answers
            try:
                statuses = await guess_at_once(
                    server, [(guesser, {"email": account["email"]})] * 50
                )
                assert statuses == {401: PAIR_LIMIT, 429: 50 - PAIR_LIMIT}
                response = await login(http, owner, PASSWORD, username=account["username"])
                assert response.status_code == 200, response.text
            finally:
                private_redis.process.send_signal(signal.SIGCONT)
            assert "sign-in limits: Redis failed (TimeoutError" in server.log()
