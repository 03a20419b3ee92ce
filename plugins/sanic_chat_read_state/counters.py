"""The counters: triggers on every kind's message table that keep `read_rooms`,
`read_tombstones` and the authors' `read_positions`.

A count read from counters costs a few index lookups, however long the room's history; a count
of the messages after a position would grow with them. So the counters are kept where the
messages are written, in the same statement and transaction, and each write costs the same
whatever the room's size:

- a new message adds one to its room's `message_count` and moves its author's position to it
  (sending marks your own room read up to your message); on PostgreSQL once per statement for
  the whole batch of sends it stored, in two set-based statements;
- a message becoming a tombstone is recorded, and added to its room's `deleted_count`.

Triggers, not the application: a send stores a batch of messages in one statement, and a count
kept after the commit could be read, or overtaken, before it is kept. They run in the
transaction that holds the order lock (`sanic_chat.messages.ordering`), so a room's counter
moves one message at a time, in the messages' order.

They are installed when a worker starts, for every kind of room it serves, the built-in ones
and any a plugin adds: this plugin's migrations cannot know the other plugins' tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from typing import TYPE_CHECKING

from sanic import Sanic
from tortoise import Tortoise

from sanic_chat.plugin import dialect_of, transaction

from .models import ReadPosition, ReadRoom, ReadTombstone

if TYPE_CHECKING:
    from sanic_chat.plugin import RoomKind

log = logging.getLogger("sanic_chat.read_state")

# Any constant: two workers starting together install the triggers one after the other.
INSTALL_LOCK = 7_316_002


# How long to wait before trying again when the database did not answer at start-up.
RETRY_SECONDS = 5.0


def install_counters(app: Sanic) -> None:
    """Install the counters as the worker starts. A worker starts without its database (its
    health says so): then it keeps trying in the background until the database answers."""

    @app.before_server_start
    async def install(app: Sanic) -> None:
        app.ctx.read_state_install = None
        try:
            await _install_all(app)
        except Exception as exc:
            log.warning("read-state counters not installed yet (retrying): %r", exc)
            app.ctx.read_state_install = asyncio.get_running_loop().create_task(_retry(app))

    @app.before_server_stop
    async def stop_trying(app: Sanic) -> None:
        task = getattr(app.ctx, "read_state_install", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _retry(app: Sanic) -> None:
    while True:
        await asyncio.sleep(RETRY_SECONDS)
        try:
            await _install_all(app)
        except Exception as exc:
            log.warning("read-state counters not installed yet (retrying): %r", exc)
        else:
            return


async def _install_all(app: Sanic) -> None:
    connection = Tortoise.get_connection("default")
    # The triggers are the one thing written twice: SQLite has no statement triggers.
    per_statement = dialect_of(connection).statement_triggers
    for room in app.ctx.rooms:
        if per_statement:
            await _install_postgres(connection, room.kind)
        else:  # `IF NOT EXISTS`, and one writer at a time anyway
            await connection.execute_script(sqlite_triggers(room.kind))


# The triggers on a message table that call this version of its function. Not the function
# alone: a table dropped and created again (a migration rebuilding it) loses its triggers, while
# the function stays.
INSTALLED_TRIGGERS = """
SELECT COUNT(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
WHERE t.tgrelid = to_regclass(quote_ident($1)) AND t.tgname = ANY($2::text[])
  AND p.proname = $3 AND p.prosrc LIKE $4"""

INSERT_TRIGGER, DELETE_TRIGGER = "read_state_on_insert", "read_state_on_delete"


async def _install_postgres(connection, kind: RoomKind) -> None:
    script = postgres_triggers(kind)
    table, name = kind.message_model._meta.db_table, _function_name(kind)
    # The function's text names its version: triggers already calling an unchanged one are left
    # as they are, so a start takes no lock on the message table.
    version = hashlib.sha256(script.encode()).hexdigest()[:16]
    triggers = [INSERT_TRIGGER, DELETE_TRIGGER]
    _, rows = await connection.execute_query(
        INSTALLED_TRIGGERS, [table, triggers, name, f"%{version}%"]
    )
    if rows[0][0] == len(triggers):
        return
    async with transaction() as locked:
        await locked.execute_query(f"SELECT pg_advisory_xact_lock({INSTALL_LOCK})")
        await locked.execute_script(script.replace("{version}", version))
    log.info("read-state counters installed on %s", kind.message_model._meta.db_table)


def _function_name(kind: RoomKind) -> str:
    return f"read_state_count_{kind.message_model._meta.db_table}"[:63]


def _on_insert(kind: RoomKind) -> str:
    """SQLite: the statements run for each new message `NEW`."""
    room, rooms, positions = f'NEW."{kind.room_column}"', _table(ReadRoom), _table(ReadPosition)
    return f"""
  INSERT INTO {rooms} (room_type, room_id, message_count, deleted_count, counted_from)
  VALUES ('{kind.name}', {room}, 1, 0, NEW.id)
  ON CONFLICT (room_type, room_id)
  DO UPDATE SET message_count = {rooms}.message_count + 1;
  INSERT INTO {positions} (user_id, room_type, room_id, last_read_id, read_count)
  SELECT NEW.author_id, '{kind.name}', {room}, NEW.id, r.message_count
  FROM {rooms} r WHERE r.room_type = '{kind.name}' AND r.room_id = {room}
  ON CONFLICT (user_id, room_type, room_id) DO UPDATE
  SET last_read_id = excluded.last_read_id, read_count = excluded.read_count
  WHERE {positions}.last_read_id < excluded.last_read_id;"""


def _on_delete(kind: RoomKind) -> str:
    """The statements run for each message `NEW` that has just become a tombstone."""
    room, rooms, tombstones = f'NEW."{kind.room_column}"', _table(ReadRoom), _table(ReadTombstone)
    counted = f"room_type = '{kind.name}' AND room_id = {room} AND counted_from <= NEW.id"
    return f"""
  INSERT INTO {tombstones} (room_type, room_id, message_id)
  SELECT '{kind.name}', {room}, NEW.id FROM {rooms} WHERE {counted}
  ON CONFLICT (room_type, room_id, message_id) DO NOTHING;
  UPDATE {rooms} SET deleted_count = deleted_count + 1 WHERE {counted};"""


def _on_inserted_batch(kind: RoomKind) -> str:
    """PostgreSQL: the same for every message a statement stored (`stored`, its transition
    table), as two set-based statements, however many messages the batch holds.

    Each author's position moves to their newest message of the batch in each room, with the
    room's count up to it: the room's new count less the batch's messages after it (everything
    already stored is older than the whole batch). Those are numbered in one sort of the batch,
    not counted per author: a bulk import of a million messages by thousands of authors would
    otherwise scan the transition table, which has no index, once per author."""
    room, rooms, positions = f's."{kind.room_column}"', _table(ReadRoom), _table(ReadPosition)
    return f"""
  INSERT INTO {rooms} (room_type, room_id, message_count, deleted_count, counted_from)
  SELECT '{kind.name}', {room}, COUNT(*), 0, MIN(s.id) FROM stored s GROUP BY {room}
  ON CONFLICT (room_type, room_id)
  DO UPDATE SET message_count = {rooms}.message_count + excluded.message_count;
  INSERT INTO {positions} (user_id, room_type, room_id, last_read_id, read_count)
  SELECT a.author_id, '{kind.name}', a.room_id, a.last_id, r.message_count - a.later
  FROM (
    SELECT DISTINCT ON (s.author_id, {room}) s.author_id, {room} AS room_id, s.id AS last_id,
      ROW_NUMBER() OVER (PARTITION BY {room} ORDER BY s.id DESC) - 1 AS later
    FROM stored s ORDER BY s.author_id, {room}, s.id DESC
  ) AS a
  JOIN {rooms} r ON r.room_type = '{kind.name}' AND r.room_id = a.room_id
  ON CONFLICT (user_id, room_type, room_id) DO UPDATE
  SET last_read_id = excluded.last_read_id, read_count = excluded.read_count
  WHERE {positions}.last_read_id < excluded.last_read_id;"""


def postgres_triggers(kind: RoomKind) -> str:
    """A statement trigger for sends (a batch of sends is one statement) and a row trigger for
    tombstones (one message at a time)."""
    table, function = kind.message_model._meta.db_table, _function_name(kind)
    return f"""
CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  -- read-state counters, version {{version}}
  IF TG_OP = 'INSERT' THEN {_on_inserted_batch(kind)}
  ELSE {_on_delete(kind)}
  END IF;
  RETURN NULL;
END
$body$;
DROP TRIGGER IF EXISTS {INSERT_TRIGGER} ON "{table}";
CREATE TRIGGER {INSERT_TRIGGER} AFTER INSERT ON "{table}"
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION "{function}"();
CREATE OR REPLACE TRIGGER {DELETE_TRIGGER} AFTER UPDATE OF deleted_at ON "{table}"
  FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION "{function}"();
"""


def sqlite_triggers(kind: RoomKind) -> str:
    """The same counters for the embedded SQLite database."""
    table = kind.message_model._meta.db_table
    return f"""
CREATE TRIGGER IF NOT EXISTS "read_state_on_insert_{table}" AFTER INSERT ON "{table}"
BEGIN {_on_insert(kind)}
END;
CREATE TRIGGER IF NOT EXISTS "read_state_on_delete_{table}" AFTER UPDATE OF deleted_at
ON "{table}" WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN {_on_delete(kind)}
END;
"""


def _table(model) -> str:
    return f'"{model._meta.db_table}"'
