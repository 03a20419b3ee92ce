"""Migrations: every plugin's aerich folder, applied in dependency order, on PostgreSQL.

Each plugin ships a plain aerich folder (`migrations/` beside its `__init__.py`) and is an aerich
app of its own, named after the plugin: the `aerich` table tracks each app's migrations apart.
`upgrade` applies the core's folder first (aerich's table, the message sequence), then each
enabled plugin's, each after the plugins it requires. A disabled plugin's migrations are not
run and its tables are left as they are: nothing here drops what a plugin no longer loads.

aerich keeps its state on its `Migrate` class and reads migrations from `<location>/<app>`;
`_point_aerich_at` sets that state for one plugin's folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, Settings
from .db import tortoise_config
from .plugins import CORE_APP, PluginSchema, build_plugin_manager, collect_schemas

log = logging.getLogger("sanic_chat")

# Before each plugin owned its schema, one aerich app held every table; a database it migrated
# has these three rows under that app.
LEGACY_APP = "models"
LEGACY_VERSIONS = (
    "0_20261124091947_init.py",
    "1_20261124095737_groups_and_conversations.py",
    "2_20261126153000_username_search_index.py",
)
# Together the legacy migrations built exactly what these apps' first migrations build.
LEGACY_SUCCESSORS = (CORE_APP, "user", "auth", "group", "conversation")


@dataclass(frozen=True)
class MigrationState:
    app: str
    applied: list[str]
    pending: list[str]


def _refuse_sqlite(settings: Settings, command: str) -> None:
    if settings.is_sqlite:
        raise ConfigError(
            f"invalid DATABASE_URL: {command} needs PostgreSQL (migrations are PostgreSQL SQL; "
            "SQLite builds its schema from the models)"
        )


def enabled_schemas(settings: Settings) -> list[PluginSchema]:
    return collect_schemas(build_plugin_manager(settings))


async def upgrade(settings: Settings) -> list[str]:
    """Apply the pending migrations of the core and every enabled plugin; return them, each as
    `<app>/<file>`."""
    from aerich import Command, TortoiseContext

    _refuse_sqlite(settings, "db upgrade")
    schemas = enabled_schemas(settings)
    for schema in schemas:
        if schema.tables() and not version_files(schema):
            raise ConfigError(
                f"plugin {schema.app!r} has models but no migrations: generate them with "
                f"`sanic-chat db migrate {schema.app}`"
            )
    config = tortoise_config(settings, schemas)
    applied: list[str] = []
    async with TortoiseContext(config):
        await adopt_legacy_schema(schemas)
        for schema in schemas:
            command = Command(tortoise_config=config, app=schema.app)
            await _point_aerich_at(config, schema.app, version_folder(schema))
            for version in await command.upgrade(run_in_transaction=True):
                applied.append(f"{schema.app}/{version}")
    return applied


async def adopt_legacy_schema(schemas: list[PluginSchema]) -> bool:
    """Take over a database migrated while one aerich app held every table.

    Its schema is what the core's and the built-in plugins' first migrations build, so those are
    recorded as applied (with their models' state) and the legacy rows removed, in one
    transaction; no table is touched. Returns whether there was anything to adopt.
    """
    from aerich.models import Aerich
    from aerich.utils import decompress_dict
    from tortoise import Tortoise
    from tortoise.transactions import in_transaction

    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query("SELECT to_regclass('aerich') AS name")
    if rows[0]["name"] is None:
        return False
    legacy = set(
        await Aerich.filter(app=LEGACY_APP, version__in=LEGACY_VERSIONS).values_list(
            "version", flat=True
        )
    )
    if not legacy:
        return False
    missing = [version for version in LEGACY_VERSIONS if version not in legacy]
    if missing:
        raise ConfigError(
            f"the database's schema predates per-plugin migrations and lacks {', '.join(missing)}: "
            "apply it with sanic-chat 0.1.0's `db upgrade` first"
        )
    first_migrations = _first_migrations(schemas)
    async with in_transaction("default") as transaction:
        for app in LEGACY_SUCCESSORS:
            if await Aerich.filter(app=app).using_db(transaction).exists():
                continue
            version, state = first_migrations[app]
            await Aerich.create(
                version=version, app=app, content=decompress_dict(state), using_db=transaction
            )
        await (
            Aerich.filter(app=LEGACY_APP, version__in=LEGACY_VERSIONS)
            .using_db(transaction)
            .delete()
        )
    log.info("adopted the single-app schema: %s", ", ".join(LEGACY_SUCCESSORS))
    return True


def _first_migrations(schemas: list[PluginSchema]) -> dict[str, tuple[str, str]]:
    """`{app: (file name, MODELS_STATE)}` of each legacy successor's first migration, read
    from its package whether the plugin is enabled or not (a disabled plugin's tables were
    built by the legacy migrations all the same)."""
    import importlib

    from aerich.utils import import_py_file

    from .plugins import migrations_folder

    folders = {schema.app: version_folder(schema) for schema in schemas}
    found = {}
    for app in LEGACY_SUCCESSORS:
        folder = folders.get(app) or migrations_folder(importlib.import_module(f"sanic_chat_{app}"))
        first = sorted(folder.glob("0_*.py"))[0]
        found[app] = (first.name, import_py_file(first).MODELS_STATE)
    return found


def version_folder(schema: PluginSchema) -> Path:
    if schema.migrations is None:
        raise ConfigError(f"plugin {schema.app!r} has models but no package to keep migrations in")
    return schema.migrations


def version_files(schema: PluginSchema) -> list[str]:
    """The names of a plugin's migrations, in order."""
    if schema.migrations is None or not schema.migrations.is_dir():
        return []
    files = [path.name for path in schema.migrations.glob("*.py") if _is_version(path.name)]
    return sorted(files, key=lambda name: int(name.split("_", 1)[0]))


def _is_version(name: str) -> bool:
    number, _, rest = name.partition("_")
    return number.isdigit() and bool(rest)


async def _point_aerich_at(config: dict[str, Any], app: str, folder: Path) -> None:
    """Make aerich's class-wide state describe `app` migrated from `folder` itself.

    aerich would read `<location>/<app>`; a plugin's folder holds its versions directly. The
    operator lists are class attributes aerich never empties: fresh ones per plugin.
    """
    from aerich.migrate import Migrate

    await Migrate.init(config, app, str(folder), offline=True)
    Migrate.migrate_location = folder
    for name in (
        "upgrade_operators",
        "downgrade_operators",
        "_upgrade_fk_m2m_index_operators",
        "_downgrade_fk_m2m_index_operators",
        "_upgrade_m2m",
        "_downgrade_m2m",
    ):
        setattr(Migrate, name, [])
    Migrate._rename_fields = {}
    Migrate._rename_models = {}
    last = Migrate.get_last_version_module()
    Migrate._last_version_content = (
        Migrate.get_migration_info_for_file(last).models_state if last else {}
    )


async def make_migration(
    settings: Settings, app: str, name: str, folder: Path | None = None
) -> str | None:
    """Write `app`'s next migration (its models against its last migration's state) into its
    own folder, or `folder`; return the file's name, None when nothing changed."""
    from aerich import TortoiseContext
    from aerich.migrate import Migrate

    _refuse_sqlite(settings, "db migrate")
    schemas = enabled_schemas(settings)
    schema = next((schema for schema in schemas if schema.app == app), None)
    if schema is None:
        known = ", ".join(schema.app for schema in schemas)
        raise ConfigError(f"no enabled plugin {app!r} with models (those with models: {known})")
    folder = folder or version_folder(schema)
    config = tortoise_config(settings, schemas)
    async with TortoiseContext(config):
        folder.mkdir(parents=True, exist_ok=True)
        await _point_aerich_at(config, app, folder)
        with _foreign_keys_to_other_apps():
            return await Migrate.migrate(name, empty=False, no_input=True, offline=True) or None


@contextmanager
def _foreign_keys_to_other_apps() -> Iterator[None]:
    """Let aerich create a table whose foreign key points into another app.

    aerich orders new tables by their foreign keys among the app's own models only, and calls
    a key to `"user.User"` a cycle. Every other app's models exist already (their migrations
    run first), so they are handed to it as existing tables.
    """
    from aerich.migrate import Migrate
    from tortoise import Tortoise

    original = Migrate.__dict__["_handle_add_models"]

    def handle_add_models(cls, upgrade, new_models, new_table_items, other_table_items=None):
        elsewhere = [
            (f"{app}.{name}", {}, model)
            for app, models in Tortoise.apps.items()
            if app != cls.app
            for name, model in models.items()
        ]
        return original.__func__(
            cls, upgrade, new_models, new_table_items, [*(other_table_items or ()), *elsewhere]
        )

    Migrate._handle_add_models = classmethod(handle_add_models)
    try:
        yield
    finally:
        Migrate._handle_add_models = original


async def migration_states(settings: Settings) -> dict[str, MigrationState]:
    """Each enabled app's applied and pending migrations, by app."""
    from aerich import TortoiseContext
    from aerich.models import Aerich
    from tortoise import Tortoise

    _refuse_sqlite(settings, "reading the migration state")
    schemas = enabled_schemas(settings)
    applied: dict[str, set[str]] = {}
    async with TortoiseContext(tortoise_config(settings, schemas)):
        _, rows = await Tortoise.get_connection("default").execute_query(
            "SELECT to_regclass('aerich') AS name"
        )
        if rows[0]["name"] is not None:
            for app, version in await Aerich.all().values_list("app", "version"):
                applied.setdefault(app, set()).add(version)
    states = {}
    for schema in schemas:
        done = applied.get(schema.app, set())
        files = version_files(schema)
        states[schema.app] = MigrationState(
            schema.app,
            [version for version in files if version in done],
            [version for version in files if version not in done],
        )
    return states
