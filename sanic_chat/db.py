"""Database set-up: the Tortoise configuration built from the plugins' models.

Each plugin with models is a Tortoise app of its own, labelled with the plugin's name (`user`,
`group`, ...), so a foreign key to another plugin's model reads `"user.User"`. PostgreSQL's
schema comes from each plugin's aerich migrations (see `schema.py`); they are PostgreSQL SQL,
so the embedded SQLite default builds its schema from the models instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sanic import Sanic
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.contrib.sanic import register_tortoise

from .config import Settings
from .plugins import PluginSchema, collect_schemas
from .storage.sqlite import add_missing_columns

log = logging.getLogger("sanic_chat")


def tortoise_connection(database_url: str, pool_max: int) -> str | dict[str, Any]:
    """What Tortoise connects with: SQLite as given; PostgreSQL as a bounded pool whose
    connections go back without the default reset round trip (see `release_quietly`)."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        return database_url
    query = dict(parse_qsl(parts.query))
    query.setdefault("minsize", "1")
    query.setdefault("maxsize", str(pool_max))
    url = urlunsplit(("postgres", parts.netloc, parts.path, urlencode(query), parts.fragment))
    connection = expand_db_url(url)
    connection["credentials"]["reset"] = release_quietly
    connection["credentials"]["init"] = learn_array_types
    return connection


# The array types the service's statements take (batches of sends, `= ANY($1::uuid[])`, ...).
ARRAY_TYPES = ("uuid[]", "text[]", "timestamptz[]", "bigint[]")


async def learn_array_types(connection: Any) -> None:
    """Have a new pooled connection look up the array types the service uses, once.

    asyncpg knows these types' codecs only after a catalog query, which it runs the first time
    a statement on the connection takes one of them: a freshly started worker's first message
    waited for it (docs/performance.md, "A worker's first message"). Preparing one statement
    that takes them all moves that query to the moment the connection opens.
    """
    values = ", ".join(f"${n}::{array}" for n, array in enumerate(ARRAY_TYPES, 1))
    await connection.prepare(f"SELECT {values}")


async def release_quietly(connection: Any) -> None:
    """Return a connection to the pool as it is.

    asyncpg's default reset (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) costs a round
    trip on every release, a large share of a message send's database time
    (docs/performance.md). This service keeps no session state: it never SETs, LISTENs, opens
    cursors outside transactions or takes session-level locks, and asyncpg still rolls back any
    open transaction before calling this.
    """


def tortoise_config(settings: Settings, schemas: list[PluginSchema]) -> dict[str, Any]:
    """One Tortoise app per plugin with models, labelled with the plugin's name, beside the
    core's (which holds aerich's own table)."""
    apps = {
        schema.app: {"models": list(schema.models), "default_connection": "default"}
        for schema in schemas
    }
    return {
        "connections": {
            "default": tortoise_connection(settings.database_url, settings.database_pool_max)
        },
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


def install_orm(app: Sanic, settings: Settings, schemas: list[PluginSchema]) -> None:
    """Open the database in each worker; on SQLite, create any missing tables and add the
    columns a newer version's models have to an older file's tables first.

    Tortoise's own `generate_schemas=True` opens a connection in the main process and never
    closes it; aiosqlite's thread then keeps the process alive after shutdown.
    """
    register_tortoise(app, config=tortoise_config(settings, schemas))
    if settings.is_sqlite:

        @app.before_server_start
        async def create_missing_tables(app: Sanic) -> None:
            from .messages import prepare_positions

            connection = Tortoise.get_connection("default")
            try:
                await Tortoise.generate_schemas(safe=True)
                models = [model for app in Tortoise.apps.values() for model in app.values()]
                added = await add_missing_columns(connection, models)
                if added:
                    log.info("columns added to the SQLite file: %s", ", ".join(added))
                await prepare_positions(connection)
            except BaseException:
                # The server will not start, so it will not stop either: an open aiosqlite
                # connection's thread would keep the process alive.
                await Tortoise.close_connections()
                raise


def config_for(settings: Settings) -> dict[str, Any]:
    """The Tortoise configuration of the plugins `settings` enables."""
    from .plugins import build_plugin_manager

    return tortoise_config(settings, collect_schemas(build_plugin_manager(settings)))
