"""SQLite: the embedded default, one file and no server. One writer at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from .dialect import Dialect


class SqliteDialect(Dialect):
    name = "sqlite"
    mark = "?"  # `?1` may appear several times in one statement, as `$1` can
    batches_sends = False
    statement_triggers = False

    def any_of(self, number: int, values: Sequence[Any], sql_type: str) -> tuple[str, list[Any]]:
        marks = ", ".join(self.placeholder(n) for n in range(number, number + len(values)))
        return f"IN ({marks})", list(values)

    def uuid(self, value: UUID) -> Any:
        return str(value)  # Tortoise stores UUIDs as text here

    def byte_order(self, column: str) -> str:
        return column  # SQLite's default collation (BINARY) compares bytes

    def members_text(self, members_sql: str) -> str:
        members = members_sql.format(room="?1")
        return f"SELECT group_concat(user_id, ',') AS members FROM ({members})"

    async def next_position(self, connection: BaseDBAsyncClient, sequence: str, lock: int) -> int:
        # One write transaction at a time already orders the values. The counter is a row
        # (`prepare`), so a value is never handed out twice, even after the newest messages
        # were deleted.
        _, rows = await connection.execute_query(
            f'UPDATE "{sequence}" SET value = value + 1 RETURNING value AS position'
        )
        return rows[0]["position"]

    async def begin_snapshot(self, connection: BaseDBAsyncClient) -> None:
        """Nothing: a transaction reads one state anyway."""

    async def prepare(
        self, connection: BaseDBAsyncClient, sequence: str, message_tables: Sequence[str]
    ) -> None:
        """The stand-in for PostgreSQL's sequence: one row, starting after every stored change
        (a database written by an older version numbered from its messages)."""
        highest = " UNION ALL ".join(
            f'SELECT MAX(seq) AS seq FROM "{table}"' for table in message_tables
        )
        await connection.execute_script(
            f'CREATE TABLE IF NOT EXISTS "{sequence}" (value BIGINT NOT NULL);'
            f'INSERT INTO "{sequence}" (value) SELECT COALESCE(MAX(seq), 0) FROM ({highest})'
            f' WHERE NOT EXISTS (SELECT 1 FROM "{sequence}");'
        )
