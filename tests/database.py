"""Throwaway PostgreSQL databases built by applying the migrations (tests and benchmarks)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
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
async def migrated_database(
    server_url: str, prefix: str, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """Create a uniquely named database on `server_url`, migrate it, yield its URL, drop it.

    `env` adds to the environment `db upgrade` runs in (a `PYTHONPATH` holding a plugin)."""
    async with empty_database(server_url, prefix) as url:
        await apply_migrations(url, env)
        yield url


@asynccontextmanager
async def empty_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """Create a uniquely named database on `server_url`, yield its URL, drop it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield with_database(server_url, name)
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def apply_migrations(url: str, env: dict[str, str] | None = None) -> str:
    """`sanic-chat db upgrade`, the command operators run, in a process of its own.

    In the test process Tortoise's state is process-wide: once an app has shut down it stays
    marked initialised with its connections closed, and a second migration in the same run
    (a fault drill's own database) would fail on it.
    """
    env = {
        **os.environ,
        **{k: str(v) for k, v in TEST_SETTINGS.items()},
        **(env or {}),
        "DATABASE_URL": url,
    }
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
    return output.decode(errors="replace")


# What a schema is made of, each as sorted rows: two databases with equal descriptions have the
# same tables, columns, constraints, indexes, comments and sequences.
SCHEMA_QUERIES = {
    "columns": """
        SELECT table_name, ordinal_position, column_name, data_type, is_nullable, column_default,
               character_maximum_length
        FROM information_schema.columns WHERE table_schema = 'public'""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "comments": """
        SELECT c.relname, a.attnum, col_description(c.oid, a.attnum), obj_description(c.oid)
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'""",
    "sequences": """
        SELECT sequence_name, data_type, start_value, increment
        FROM information_schema.sequences WHERE sequence_schema = 'public'""",
}


async def describe_schema(url: str) -> dict[str, list[tuple]]:
    connection = await asyncpg.connect(url)
    try:
        return {
            part: sorted((tuple(row) for row in await connection.fetch(query)), key=repr)
            for part, query in SCHEMA_QUERIES.items()
        }
    finally:
        await connection.close()


async def insert_users(connection: Any, count: int) -> list[uuid.UUID]:
    """`count` users written straight into the database (no password to sign in with)."""
    users = [uuid.uuid4() for _ in range(count)]
    for user in users:
        await connection.execute(
            "INSERT INTO users (id, email, username, password_hash, created_at)"
            " VALUES ($1, $2, $3, 'hash', now())",
            user,
            f"{user}@example.test",
            f"u_{user.hex[:12]}",
        )
    return users
