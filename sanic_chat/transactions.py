"""`transaction()`: Tortoise's `in_transaction()` without what it leaves behind when BEGIN fails.

Tortoise 1.1 takes a pooled connection and points the task's context at the new transaction
before it sends BEGIN. When BEGIN fails (on PostgreSQL: a pooled connection whose backend was
terminated while it sat idle) neither is undone: the task goes on sending its queries to the
dead transaction, and the pool never gets the connection back. Through an outage every such
failure would cost the worker a pooled connection for good, until none were left.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction on the default connection; queries in it through the ORM use it too."""
    context = in_transaction()
    try:
        client = await context.__aenter__()
    except BaseException:
        await _undo_failed_begin(context)
        raise
    try:
        yield client
    except BaseException as exc:
        await _exit(context, exc)
        raise
    await _exit(context, None)


async def _exit(context: Any, exc: BaseException | None) -> None:
    try:
        await context.__aexit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)
    except BaseException:
        # Tortoise resets the task's context only after the connection went back to the pool.
        _forget(context)
        raise


async def _undo_failed_begin(context: Any) -> None:
    _forget(context)
    client = getattr(context, "client", None)
    connection = getattr(client, "_connection", None)
    pool = getattr(getattr(client, "_parent", None), "_pool", None)
    if connection is None or pool is None:
        return  # SQLite: one connection, nothing taken from a pool
    try:
        await pool.release(connection)  # a dead connection is terminated and replaced
    except Exception:
        connection.terminate()


def _forget(context: Any) -> None:
    token = getattr(context, "token", None)
    if token is not None:
        with contextlib.suppress(Exception):  # already reset when Tortoise got that far
            connections.reset(token)
