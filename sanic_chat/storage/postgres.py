"""PostgreSQL: the production database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from .dialect import Dialect


class PostgresDialect(Dialect):
    name = "postgres"
    mark = "$"
    batches_sends = True
    statement_triggers = True

    def any_of(self, number: int, values: Sequence[Any], sql_type: str) -> tuple[str, list[Any]]:
        # The list is one array value: one statement text (and one prepared plan) for any count.
        return f"= ANY(${number}::{sql_type}[])", [list(values)]

    def uuid(self, value: UUID) -> Any:
        return value

    def byte_order(self, column: str) -> str:
        # The default collation follows the locale; an index on the column `COLLATE "C"` serves
        # this order.
        return f'{column} COLLATE "C"'

    def members_text(self, members_sql: str) -> str:
        members = members_sql.format(room="$1")
        return f"SELECT array_to_string(ARRAY({members}), ',') AS members"

    async def next_position(self, connection: BaseDBAsyncClient, sequence: str, lock: int) -> int:
        # The transaction-scoped advisory lock is held until commit: a later value never
        # commits before an earlier one.
        _, rows = await connection.execute_query(
            f"SELECT pg_advisory_xact_lock({lock}), nextval('{sequence}') AS position"
        )
        return rows[0]["position"]

    async def begin_snapshot(self, connection: BaseDBAsyncClient) -> None:
        await connection.execute_script(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        )

    async def prepare(
        self, connection: BaseDBAsyncClient, sequence: str, message_tables: Sequence[str]
    ) -> None:
        """Nothing: the migrations create the sequence (`sanic-chat db upgrade`)."""
