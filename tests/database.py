"""Throwaway PostgreSQL databases built by applying the migrations (tests and benchmarks)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from tests.settings import TEST_SETTINGS

DEFAULT_PREFIX = "sanic_chat_test"
# Lower-case letters, digits and _: a leftover database can be dropped without quoting its name.
# PostgreSQL names stop at 63 characters; 13 of them are the random suffix.
_PREFIX_SHAPE = re.compile(r"[a-z_][a-z0-9_]{0,49}")


def database_prefix() -> str:
    """`TEST_DB_PREFIX`: how the run's throwaway databases are named (`<prefix>_<12 hex>`)."""
    prefix = os.environ.get("TEST_DB_PREFIX") or DEFAULT_PREFIX
    if not _PREFIX_SHAPE.fullmatch(prefix):
        raise ValueError(
            f"TEST_DB_PREFIX={prefix!r}: use 1 to 50 of a-z, 0-9 and _, not starting with a digit"
        )
    return prefix


def with_database(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


@asynccontextmanager
async def migrated_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """Create a uniquely named database on `server_url`, migrate it, yield its URL, drop it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(server_url, name)
    try:
        await apply_migrations(url)
        yield url
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def apply_migrations(url: str) -> None:
    """`sanic-chat db upgrade`, the command operators run, in a process of its own.

    In the test process Tortoise's state is process-wide: once an app has shut down it stays
    marked initialised with its connections closed, and a second migration in the same run
    (a fault drill's own database) would fail on it.
    """
    env = {**os.environ, **{k: str(v) for k, v in TEST_SETTINGS.items()}, "DATABASE_URL": url}
    upgrade = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sanic_chat",
        "db",
        "upgrade",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await upgrade.communicate()
    if upgrade.returncode != 0:
        raise RuntimeError(f"sanic-chat db upgrade failed:\n{output.decode(errors='replace')}")
