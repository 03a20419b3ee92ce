"""What every benchmark needs: a fresh migrated database, users, tokens, a running server."""

from __future__ import annotations

import gc
import os
import random
import re
import resource
import socket
import string
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import jwt

from tests.database import migrated_database
from tests.live import LiveServer, live_server
from tests.settings import TEST_SETTINGS

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
WORKDIR = Path(os.environ.get("BENCH_WORKDIR", "/tmp/sanic-chat-bench"))


def postgres_server() -> str:
    return os.environ.get("BENCH_DATABASE_URL", LOCAL_POSTGRES)


def redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL", LOCAL_REDIS)
    host, port = url.split("//", 1)[1].split("/")[0].split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        raise SystemExit(f"this benchmark needs Redis at {url} (set BENCH_REDIS_URL)") from None
    return url


def raise_file_limit() -> None:
    """Thousands of sockets on each side: lift the soft descriptor limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in the load generator while it measures.

    Its heap holds every client connection and every delivery seen: a full collection stalls
    it for tens of milliseconds, and those would be counted as the server's latency.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    async with migrated_database(postgres_server(), "sanic_chat_bench") as url:
        yield url


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {"DATABASE_URL": database_url, **{k: str(v) for k, v in TEST_SETTINGS.items()}}
    env.update(extra)
    return env


@contextmanager
def running_server(env: dict[str, str], workers: int = 1) -> Iterator[LiveServer]:
    """`sanic-chat serve` on `env`'s database.

    A benchmark that bulk-loads messages times a server started after the load: messages
    written behind a running server's back are changes it has not delivered, and its cursor
    stream reads them all, in order, to deliver them while the requests are timed (what that
    did to the figures: docs/performance.md, "History with the feature plugins, measured
    again").
    """
    WORKDIR.mkdir(parents=True, exist_ok=True)
    with live_server(env, workers=workers, cwd=WORKDIR) as server:
        yield server


async def create_users(database_url: str, count: int, prefix: str = "bench") -> list[str]:
    """Insert `count` users in one COPY; return their ids. They never sign in with a password:
    benchmarks sign their access tokens with the server's secret instead."""
    ids = [uuid.uuid4() for _ in range(count)]
    rng = random.Random(count)
    # Random letters, like real usernames: a 3-letter prefix matches a handful of users.
    names = [f"{''.join(rng.choices(string.ascii_lowercase, k=7))}{n}"[:32] for n in range(count)]
    now = datetime.now(timezone.utc)
    rows = [
        (user_id, f"{name}@{prefix}.test", name, "!", now)
        for user_id, name in zip(ids, names, strict=True)
    ]
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "users",
            records=rows,
            columns=["id", "email", "username", "password_hash", "created_at"],
        )
    finally:
        await connection.close()
    return [str(user_id) for user_id in ids]


def access_token(user_id: str, lifetime: int = 3600) -> str:
    """An access token signed with the benchmark server's secret (no login round trip)."""
    now = int(time.time())
    claims = {
        "sub": user_id,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + lifetime,
        "typ": "access",
    }
    return jwt.encode(claims, TEST_SETTINGS["JWT_ACCESS_SECRET"], algorithm="HS256")


def worker_pids(server: LiveServer) -> list[int]:
    """The server's worker processes, as its log announces them ("Starting worker [pid]").

    The main process has other children too (multiprocessing's helpers), so its log is the
    reliable source.
    """
    return [int(pid) for pid in re.findall(r"Starting worker \[(\d+)\]", server.log())]


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")
