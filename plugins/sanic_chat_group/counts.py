"""Each group's `member_count`, kept by triggers on `group_members`.

A room list shows every group's member count; counting the members of hundreds of groups on
every list would read every membership of them. Triggers, not the service: memberships also go
when a user is deleted (a cascade the service never sees), and a count kept in the same
statement cannot drift from the rows.

On PostgreSQL the group plugin's migration installs them. The embedded SQLite builds its schema
from the models, so they are installed here when a worker starts, with a recount when they are
new (a file written before them holds no counts).
"""

from __future__ import annotations

from sanic import Sanic
from tortoise import Tortoise

from sanic_chat import transaction

from .models import Group, GroupMember


def _sqlite_triggers() -> dict[str, str]:
    groups, members = Group._meta.db_table, GroupMember._meta.db_table
    return {
        "group_member_added": (
            f'AFTER INSERT ON "{members}" BEGIN UPDATE "{groups}"'
            " SET member_count = member_count + 1 WHERE id = NEW.group_id; END"
        ),
        "group_member_removed": (
            f'AFTER DELETE ON "{members}" BEGIN UPDATE "{groups}"'
            " SET member_count = member_count - 1 WHERE id = OLD.group_id; END"
        ),
    }


def install_sqlite_counts(app: Sanic) -> None:
    @app.before_server_start
    async def install(app: Sanic) -> None:
        connection = Tortoise.get_connection("default")
        _, rows = await connection.execute_query(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        )
        triggers = _sqlite_triggers()
        missing = sorted(set(triggers) - {row["name"] for row in rows})
        if not missing:
            return
        groups, members = Group._meta.db_table, GroupMember._meta.db_table
        async with transaction() as writing:
            for name in missing:
                # Another worker starting on the same file may have been first.
                sql = f'CREATE TRIGGER IF NOT EXISTS "{name}" {triggers[name]}'
                await writing.execute_script(sql)
            await writing.execute_script(
                f'UPDATE "{groups}" SET member_count ='
                f' (SELECT COUNT(*) FROM "{members}" m WHERE m.group_id = "{groups}".id)'
            )
