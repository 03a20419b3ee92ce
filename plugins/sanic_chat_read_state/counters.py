"""The unread counters: triggers on every kind's message table that keep `read_positions`.

A count read from a counter costs one index lookup, however long the room's history; a count
of the messages after a position would grow with them. So the counters are kept where the
messages are written, inside the same statement and transaction:

- a new message adds one to the `unread_count` of each other member of its room and moves its
  author's position to it (sending marks your room read up to your message);
- a message becoming a tombstone takes one off the count of each member who had it unread.

Triggers, not the application: a send stores a batch of messages in one statement, and a
count kept after the commit could be overtaken by a mark that recounts (see `service.mark`).
Each runs in the transaction that holds the order lock (`sanic_chat.messages.ordering`), so
the counters of one room change one message at a time, in the messages' order.

They are installed when a worker starts, for every kind of room it serves, the built-in ones
and any a plugin adds: the plugin's own migrations cannot know the other plugins' tables.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from sanic import Sanic
from tortoise import Tortoise

from sanic_chat import transaction

from .models import ReadPosition

if TYPE_CHECKING:
    from sanic_chat.rooms import RoomKind

log = logging.getLogger("sanic_chat.read_state")

# Any constant: two workers starting together install the triggers one after the other.
INSTALL_LOCK = 7_316_002


def install_counters(app: Sanic) -> None:
    @app.before_server_start
    async def install(app: Sanic) -> None:
        connection = Tortoise.get_connection("default")
        postgres = connection.capabilities.dialect == "postgres"
        for room in app.ctx.rooms:
            script = postgres_triggers(room.kind) if postgres else sqlite_triggers(room.kind)
            await _install(connection, room.kind, script, postgres)


async def _install(connection, kind: RoomKind, script: str, postgres: bool) -> None:
    table = kind.message_model._meta.db_table
    if not postgres:  # SQLite: `IF NOT EXISTS`, and one writer at a time anyway
        await connection.execute_script(script)
        return
    name = _function_name(table)
    # The function's text names its version: an unchanged one is left as it is, so a start
    # takes no lock on the message table.
    version = hashlib.sha256(script.encode()).hexdigest()[:16]
    _, rows = await connection.execute_query(
        "SELECT 1 FROM pg_proc WHERE proname = $1 AND prosrc LIKE $2", [name, f"%{version}%"]
    )
    if rows:
        return
    async with transaction() as locked:
        await locked.execute_query(f"SELECT pg_advisory_xact_lock({INSTALL_LOCK})")
        await locked.execute_script(script.replace("{version}", version))
    log.info("unread counters installed on %s", table)


def _function_name(table: str) -> str:
    return f"read_state_count_{table}"[:63]


def postgres_triggers(kind: RoomKind) -> str:
    """The function and triggers that keep the counters of one kind's rooms (PostgreSQL)."""
    table = kind.message_model._meta.db_table
    positions = ReadPosition._meta.db_table
    room = kind.room_column
    members = kind.members.sql().format(room=f'NEW."{room}"')
    function = _function_name(table)
    return f"""
CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  -- read-state counters, version {{version}}
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "{positions}" AS p
      (user_id, room_type, room_id, last_read_id, unread_count, counted_from)
    SELECT member.user_id, '{kind.name}', NEW."{room}",
      CASE WHEN member.user_id = NEW.author_id THEN NEW.id END,
      CASE WHEN member.user_id = NEW.author_id THEN 0 ELSE 1 END,
      NEW.id
    FROM (SELECT DISTINCT m.user_id FROM ({members}) AS m) AS member
    ON CONFLICT (user_id, room_type, room_id) DO UPDATE SET
      last_read_id = COALESCE(EXCLUDED.last_read_id, p.last_read_id),
      unread_count = CASE WHEN EXCLUDED.last_read_id IS NULL THEN p.unread_count + 1 ELSE 0 END;
  ELSE
    UPDATE "{positions}" SET unread_count = unread_count - 1
    WHERE room_type = '{kind.name}' AND room_id = NEW."{room}" AND user_id <> NEW.author_id
      AND user_id IN (SELECT m.user_id FROM ({members}) AS m)
      AND NEW.id > COALESCE(last_read_id, 0) AND NEW.id >= counted_from AND unread_count > 0;
  END IF;
  RETURN NULL;
END
$body$;
CREATE OR REPLACE TRIGGER read_state_on_insert AFTER INSERT ON "{table}"
  FOR EACH ROW EXECUTE FUNCTION "{function}"();
CREATE OR REPLACE TRIGGER read_state_on_delete AFTER UPDATE OF deleted_at ON "{table}"
  FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
  EXECUTE FUNCTION "{function}"();
"""


def sqlite_triggers(kind: RoomKind) -> str:
    """The same counters for the embedded SQLite database (UUIDs are text there)."""
    table = kind.message_model._meta.db_table
    positions = ReadPosition._meta.db_table
    room = kind.room_column
    members = kind.members.sql().format(room=f'NEW."{room}"')
    return f"""
CREATE TRIGGER IF NOT EXISTS "read_state_on_insert_{table}" AFTER INSERT ON "{table}"
BEGIN
  INSERT INTO "{positions}"
    (user_id, room_type, room_id, last_read_id, unread_count, counted_from)
  SELECT DISTINCT m.user_id, '{kind.name}', NEW."{room}",
    CASE WHEN m.user_id = NEW.author_id THEN NEW.id END,
    CASE WHEN m.user_id = NEW.author_id THEN 0 ELSE 1 END,
    NEW.id
  FROM ({members}) AS m WHERE true
  ON CONFLICT (user_id, room_type, room_id) DO UPDATE SET
    last_read_id = COALESCE(excluded.last_read_id, last_read_id),
    unread_count = CASE WHEN excluded.last_read_id IS NULL THEN unread_count + 1 ELSE 0 END;
END;
CREATE TRIGGER IF NOT EXISTS "read_state_on_delete_{table}" AFTER UPDATE OF deleted_at
ON "{table}" WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
  UPDATE "{positions}" SET unread_count = unread_count - 1
  WHERE room_type = '{kind.name}' AND room_id = NEW."{room}" AND user_id <> NEW.author_id
    AND user_id IN (SELECT m.user_id FROM ({members}) AS m)
    AND NEW.id > COALESCE(last_read_id, 0) AND NEW.id >= counted_from AND unread_count > 0;
END;
"""
