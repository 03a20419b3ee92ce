"""SQLite: the embedded default, one file and no server. One writer at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from ..config import ConfigError
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


async def add_missing_columns(
    connection: BaseDBAsyncClient, models: Sequence[type[Model]]
) -> list[str]:
    """Add to existing tables the columns their models gained since the file was written; return
    them as `table.column`.

    Tortoise creates missing tables and leaves existing ones as they are: a file written by an
    older version would lack a newer column. SQLite's `ADD COLUMN` can add a nullable column
    (old rows NULL) or one with a constant default (old rows take it); a model change that needs
    more stops the start rather than serving a table that does not match.
    """
    added = []
    for model in models:
        meta = model._meta
        _, rows = await connection.execute_query(f'PRAGMA table_info("{meta.db_table}")')
        present = {row["name"] for row in rows}
        for name in sorted(meta.db_fields - present):
            field = meta.fields_map[meta.fields_db_projection_reverse[name]]
            definition = f'"{name}" {field.get_for_dialect("sqlite", "SQL_TYPE")}'
            if not field.null:
                default = _constant(field.default)
                if default is None:
                    raise ConfigError(
                        f"the SQLite file's table {meta.db_table!r} lacks column {name!r}, which"
                        " cannot be added in place (not nullable, and no constant default)"
                    )
                definition += f" NOT NULL DEFAULT {default}"
            await connection.execute_script(
                f'ALTER TABLE "{meta.db_table}" ADD COLUMN {definition}'
            )
            added.append(f"{meta.db_table}.{name}")
    return added


def _constant(value: Any) -> str | None:
    """A default as an SQL literal; None when it is none or not a constant (a callable)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return None
