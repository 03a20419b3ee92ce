"""Database set-up: the Tortoise configuration built from the plugins' models, and migrations.

PostgreSQL's schema comes from the aerich migrations in `aerich_migrations/`, the source of
truth; they are PostgreSQL SQL, so the embedded SQLite default builds its schema from the models
instead.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pluggy
from sanic import Sanic
from tortoise import Model, Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.contrib.sanic import register_tortoise

from .config import ConfigError, Settings

APP_LABEL = "models"
AERICH_MODELS = "aerich.models"

_PACKAGED_MIGRATIONS = Path(__file__).resolve().parent / "_migrations"
_SOURCE_MIGRATIONS = Path(__file__).resolve().parent.parent / "aerich_migrations"


def migrations_location() -> Path:
    """Absolute path of the migrations: inside the wheel when installed, else the checkout."""
    return _PACKAGED_MIGRATIONS if _PACKAGED_MIGRATIONS.is_dir() else _SOURCE_MIGRATIONS


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
    return connection


async def release_quietly(connection: Any) -> None:
    """Return a connection to the pool as it is.

    asyncpg's default reset (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL) costs a round
    trip on every release, a large share of a message send's database time
    (docs/performance.md). This service keeps no session state: it never SETs, LISTENs, opens
    cursors outside transactions or takes session-level locks, and asyncpg still rolls back any
    open transaction before calling this.
    """


def collect_model_modules(manager: pluggy.PluginManager) -> list[str]:
    modules = [module for result in manager.hook.chat_register_models() for module in result]
    _refuse_duplicate_model_names(modules)
    return modules


def _refuse_duplicate_model_names(modules: list[str]) -> None:
    # Tortoise keeps the last of two same-named models in one app without a word.
    seen: dict[str, str] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if not (inspect.isclass(obj) and issubclass(obj, Model) and obj is not Model):
                continue
            if obj.__module__ != module_name or obj._meta.abstract:
                continue
            if name in seen and seen[name] != module_name:
                raise ConfigError(
                    f"model {name} is declared by both {seen[name]} and {module_name}"
                )
            seen[name] = module_name


def tortoise_config(settings: Settings, model_modules: list[str]) -> dict[str, Any]:
    return {
        "connections": {
            "default": tortoise_connection(settings.database_url, settings.database_pool_max)
        },
        "apps": {
            APP_LABEL: {
                "models": [*model_modules, AERICH_MODELS],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def install_orm(app: Sanic, settings: Settings, model_modules: list[str]) -> None:
    """Open the database in each worker; on SQLite, create any missing tables first.

    Tortoise's own `generate_schemas=True` opens a connection in the main process and never
    closes it; aiosqlite's thread then keeps the process alive after shutdown.
    """
    register_tortoise(app, config=tortoise_config(settings, model_modules))
    if settings.is_sqlite:

        @app.before_server_start
        async def create_missing_tables(app: Sanic) -> None:
            from .messages import create_sqlite_positions

            await Tortoise.generate_schemas(safe=True)
            await create_sqlite_positions(Tortoise.get_connection("default"))


def config_for(settings: Settings) -> dict[str, Any]:
    """The Tortoise configuration of the plugins `settings` enables."""
    from .plugins import build_plugin_manager

    return tortoise_config(settings, collect_model_modules(build_plugin_manager(settings)))


async def upgrade(settings: Settings) -> list[str]:
    """Apply pending migrations; return the names of those applied."""
    from aerich import Command

    if settings.is_sqlite:
        raise ConfigError(
            "invalid DATABASE_URL: migrations are PostgreSQL SQL; SQLite builds its schema itself"
        )
    async with Command(
        tortoise_config=config_for(settings),
        app=APP_LABEL,
        location=str(migrations_location()),
    ) as command:
        return await command.upgrade(run_in_transaction=True)


def __getattr__(name: str) -> Any:
    # `TORTOISE_ORM` is for aerich's own CLI (`aerich migrate`), computed only when asked for.
    if name == "TORTOISE_ORM":
        from .config import load_settings

        return config_for(load_settings())
    raise AttributeError(name)
