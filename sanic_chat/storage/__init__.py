"""What differs between the databases sanic-chat runs on, behind one seam.

PostgreSQL is the production database; SQLite the embedded default that needs no setup. Code
that writes SQL asks `dialect_of(connection)` for the `Dialect` of the connection at hand and
never compares dialect names itself. Each dialect keeps the same contract
(`tests/core/test_storage_dialects.py` runs it on both databases).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from .dialect import Dialect
from .postgres import PostgresDialect
from .sqlite import SqliteDialect

DIALECTS: dict[str, Dialect] = {
    dialect.name: dialect for dialect in (PostgresDialect(), SqliteDialect())
}


def dialect_of(connection: BaseDBAsyncClient) -> Dialect:
    """The dialect of `connection`'s database."""
    name = connection.capabilities.dialect
    try:
        return DIALECTS[name]
    except KeyError:
        raise LookupError(f"sanic-chat does not run on {name!r} databases") from None


__all__ = ["DIALECTS", "Dialect", "dialect_of"]
