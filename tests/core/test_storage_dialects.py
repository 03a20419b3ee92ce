"""The storage seam's contract, run on PostgreSQL and on SQLite alike.

Whatever a `Dialect` says about its database (placeholders, UUID values, members joined as text,
byte order, positions in commit order) must hold on the real database: each test runs on both,
through the same Tortoise clients the service uses.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from sanic_chat.messages import ORDER_LOCK
from sanic_chat.storage import Dialect, dialect_of

# Only the tests' own tables differ: a UUID column is `uuid` on PostgreSQL, text on SQLite
# (what Tortoise creates on each).
UUID_COLUMN = {"postgres": "UUID", "sqlite": "CHAR(36)"}
# A text column in a language's order where the database has one, as a production database's
# default collation often is: byte order must hold whatever the column's collation.
TEXT_COLUMN = {"postgres": 'VARCHAR(20) COLLATE "und-x-icu"', "sqlite": "VARCHAR(20)"}


@pytest.fixture(params=["postgres", "sqlite"])
async def connection(request, database_url, tmp_path) -> AsyncIterator[BaseDBAsyncClient]:
    """A Tortoise client of each database, in a Tortoise context of its own (transactions look
    their connection up in the current context)."""
    url = database_url if request.param == "postgres" else f"sqlite://{tmp_path}/contract.db"
    suffix = uuid.uuid4().hex[:8]
    async with TortoiseContext() as context:
        await context.init(db_url=url, modules={"contract": ["aerich.models"]})
        client = context.db()
        client.tables = {
            "members": f"contract_members_{suffix}",
            "names": f"contract_names_{suffix}",
        }
        client.context = context
        try:
            yield client
        finally:
            for table in client.tables.values():
                await client.execute_script(f'DROP TABLE IF EXISTS "{table}"')


@pytest.fixture
def dialect(connection) -> Dialect:
    return dialect_of(connection)


async def test_each_database_has_its_dialect(connection, dialect):
    assert dialect.name == connection.capabilities.dialect


async def test_members_text_joins_the_members_of_one_room(connection, dialect):
    table = connection.tables["members"]
    column = UUID_COLUMN[dialect.name]
    await connection.execute_script(
        f'CREATE TABLE "{table}" (room_id {column} NOT NULL, user_id {column} NOT NULL)'
    )
    room, empty, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    members = {uuid.uuid4() for _ in range(3)}
    rows = [(room, user) for user in members] + [(other, uuid.uuid4())]
    insert = (
        f'INSERT INTO "{table}" (room_id, user_id) '
        f"VALUES ({dialect.placeholder(1)}, {dialect.placeholder(2)})"
    )
    for room_id, user_id in rows:
        await connection.execute_query(insert, [dialect.uuid(room_id), dialect.uuid(user_id)])
    statement = dialect.members_text(f'SELECT user_id FROM "{table}" WHERE room_id = {{room}}')

    _, found = await connection.execute_query(statement, [dialect.uuid(room)])
    assert {uuid.UUID(text) for text in found[0]["members"].split(",")} == members
    _, none = await connection.execute_query(statement, [dialect.uuid(empty)])
    assert not none[0]["members"]


async def test_byte_order_compares_and_sorts_bytes(connection, dialect):
    table = connection.tables["names"]
    column = TEXT_COLUMN[dialect.name]
    await connection.execute_script(f'CREATE TABLE "{table}" (name {column} NOT NULL)')
    names = ["b", "ab", "a_b", "aB", "A", "a"]
    listed = dialect.placeholders(len(names))
    await connection.execute_query(
        f'INSERT INTO "{table}" (name) SELECT * FROM (VALUES '
        + ", ".join(f"({mark})" for mark in listed.split(", "))
        + ") AS v",
        names,
    )
    name = dialect.byte_order("name")
    low, high = dialect.placeholder(1), dialect.placeholder(2)
    rows = await connection.execute_query_dict(
        f'SELECT name FROM "{table}" WHERE {name} >= {low} AND {name} < {high} ORDER BY {name}',
        ["a", "b"],
    )
    # "B" (0x42) < "_" (0x5f) < "b" (0x62): a locale's collation would order them otherwise.
    assert [row["name"] for row in rows] == ["a", "aB", "a_b", "ab"]


async def test_any_of_matches_the_listed_values_whatever_their_number(connection, dialect):
    table = connection.tables["names"]
    await connection.execute_script(f'CREATE TABLE "{table}" (n BIGINT NOT NULL, tag BIGINT)')
    for n in range(1, 8):
        await connection.execute_query(
            f'INSERT INTO "{table}" (n, tag) VALUES ({dialect.placeholder(1)}, 0)', [n]
        )
    for wanted in ([3], [1, 5, 7], list(range(1, 8))):
        among, values = dialect.any_of(2, wanted, "bigint")
        rows = await connection.execute_query_dict(
            f'SELECT n FROM "{table}" WHERE tag = {dialect.placeholder(1)} AND n {among}'
            " ORDER BY n",
            [0, *values],
        )
        assert [row["n"] for row in rows] == wanted


async def test_positions_grow_and_are_never_handed_out_twice(connection, dialect):
    sequence = f"contract_positions_{uuid.uuid4().hex[:8]}"
    table = connection.tables["names"]
    await connection.execute_script(f'CREATE TABLE "{table}" (seq BIGINT NOT NULL)')
    await connection.execute_query(f'INSERT INTO "{table}" (seq) VALUES (41)')
    if dialect.name == "postgres":  # the migrations create the service's sequence
        await connection.execute_script(f'CREATE SEQUENCE "{sequence}" START 42')
    await dialect.prepare(connection, sequence, [table])

    async def take() -> int:
        async with in_transaction() as writing:
            return await dialect.next_position(writing, sequence, ORDER_LOCK)

    try:
        # Transactions find their connection in the current Tortoise context; the gathered
        # tasks inherit it.
        with connection.context:
            first = await take()
            taken = await asyncio.gather(*(take() for _ in range(20)))
            last = await take()
        assert first > 41  # after every stored change
        assert len(set(taken)) == 20 and min(taken) > first
        assert last > max(taken)
    finally:
        drop = "SEQUENCE" if dialect.name == "postgres" else "TABLE"
        await connection.execute_script(f'DROP {drop} IF EXISTS "{sequence}"')


async def test_statement_triggers_where_the_dialect_says_so(connection, dialect):
    table, log = connection.tables["names"], connection.tables["members"]
    await connection.execute_script(
        f'CREATE TABLE "{table}" (n BIGINT NOT NULL); CREATE TABLE "{log}" (rows BIGINT)'
    )
    if dialect.statement_triggers:
        await connection.execute_script(
            f'CREATE FUNCTION "{log}_count"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
            f' INSERT INTO "{log}" SELECT COUNT(*) FROM inserted; RETURN NULL; END $$;'
            f'CREATE TRIGGER "{log}_t" AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS'
            f' inserted FOR EACH STATEMENT EXECUTE FUNCTION "{log}_count"()'
        )
        expected = [(3,)]
    else:
        await connection.execute_script(
            f'CREATE TRIGGER "{log}_t" AFTER INSERT ON "{table}" FOR EACH ROW'
            f' BEGIN INSERT INTO "{log}" VALUES (1); END'
        )
        expected = [(1,), (1,), (1,)]
    await connection.execute_script(f'INSERT INTO "{table}" (n) VALUES (1), (2), (3)')
    _, rows = await connection.execute_query(f'SELECT rows FROM "{log}"')
    assert [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows] == (
        expected
    )
    if dialect.statement_triggers:
        await connection.execute_script(f'DROP FUNCTION "{log}_count"() CASCADE')
