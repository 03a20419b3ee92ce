"""The contract every database's dialect keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient


class Dialect(ABC):
    """One database's way of doing what the core and the plugins need beyond portable SQL."""

    #: Tortoise's name of the database (`connection.capabilities.dialect`).
    name: str
    #: Prefix of numbered placeholders: `$1` on PostgreSQL, `?1` on SQLite.
    mark: str
    #: Whether concurrent sends are stored together, one statement per batch
    #: (`messages.statements.send_statement`); otherwise one transaction per send.
    batches_sends: bool
    #: Whether a trigger can run once per statement and see the statement's rows
    #: (`REFERENCING NEW TABLE`); otherwise triggers run once per row.
    statement_triggers: bool

    def placeholder(self, number: int) -> str:
        return f"{self.mark}{number}"

    def placeholders(self, count: int, first: int = 1) -> str:
        """`$1, $2, ...`: the placeholders of `count` values, for an `IN (...)` list."""
        return ", ".join(self.placeholder(n) for n in range(first, first + count))

    @abstractmethod
    def any_of(self, number: int, values: Sequence[Any], sql_type: str) -> tuple[str, list[Any]]:
        """`column <this>` tests membership in `values`, from placeholder `number` on: the SQL
        and the query values it takes (`sql_type` is PostgreSQL's name of the values' type)."""

    @abstractmethod
    def uuid(self, value: UUID) -> Any:
        """A UUID as this database's driver takes it as a query value."""

    @abstractmethod
    def byte_order(self, column: str) -> str:
        """`column` compared and sorted byte by byte, whatever the database's collation."""

    @abstractmethod
    def members_text(self, members_sql: str) -> str:
        """A statement answering one row whose `members` column is the ids that `members_sql`
        selects (with `{room}` standing for placeholder 1), joined by commas; NULL or '' when
        there are none."""

    @abstractmethod
    async def next_position(self, connection: BaseDBAsyncClient, sequence: str, lock: int) -> int:
        """The next value of `sequence`, taken inside the caller's transaction so that values
        are handed out in commit order (`lock` serialises the writers until commit where the
        database does not already)."""

    @abstractmethod
    async def begin_snapshot(self, connection: BaseDBAsyncClient) -> None:
        """Make the transaction just begun on `connection` read one committed state throughout."""

    @abstractmethod
    async def prepare(
        self, connection: BaseDBAsyncClient, sequence: str, message_tables: Sequence[str]
    ) -> None:
        """Create what the migrations do not (a database without them), once at start-up."""
