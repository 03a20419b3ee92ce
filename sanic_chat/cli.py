"""The `sanic-chat` command: serve, apply and write migrations, list plugins."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from functools import partial

from .config import ConfigError, Settings, ensure_development_secrets, load_settings
from .logs import configure_logging

log = logging.getLogger("sanic_chat")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"sanic-chat: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sanic-chat", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP and WebSocket server")
    serve.add_argument("--host", help="address to bind (HOST, default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to bind (PORT, default 3000)")
    serve.add_argument("--workers", type=int, help="worker processes (WORKERS, default 1)")
    serve.add_argument("--dev", action="store_true", help="debug mode with auto-reload")
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not apply pending migrations first"
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser(
        "upgrade", help="apply the core's and every enabled plugin's pending migrations"
    )
    upgrade.set_defaults(run=_db_upgrade)
    migrate = db_commands.add_parser(
        "migrate", help="write a plugin's next migration into its own migrations/ folder"
    )
    migrate.add_argument("plugin", help="the plugin's name, as `sanic-chat plugins` lists it")
    migrate.add_argument("--name", default="update", help="what the migration does (file name)")
    migrate.set_defaults(run=_db_migrate)

    plugins = commands.add_parser(
        "plugins", help="list the plugins that would be loaded, their tables and migrations"
    )
    plugins.set_defaults(run=_plugins)
    return parser


def _settings_with(args: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name, value in (("PORT", args.port), ("HOST", args.host), ("WORKERS", args.workers))
        if value is not None
    }
    return load_settings(**overrides)


# Pending connections the kernel keeps for the worker. After a restart or a network blip every
# client reconnects at once; Sanic's default of 100 would make the rest wait for retransmits.
LISTEN_BACKLOG = 2048


def _serve(args: argparse.Namespace) -> int:
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    # Before anything imports prometheus-client: its multi-process mode is chosen on import,
    # in this process and in each spawned worker (which inherits the variable).
    from .metrics_directory import remove_run_directory, use_run_directory

    metrics_directory = use_run_directory()
    from .app import create_app
    from .protocol import ChatProtocol

    # Generated once here, inherited by every spawned worker through the environment.
    ensure_development_secrets()
    settings = _settings_with(args)
    configure_logging(settings.log_format)
    if not settings.is_sqlite and not args.no_migrate:
        applied = asyncio.run(_upgrade(settings))
        log.info("migrations applied: %s", ", ".join(applied) or "none pending")
    if settings.is_sqlite:
        log.warning(
            "DATABASE_URL not set: using the embedded SQLite file %s", settings.database_url
        )

    loader = AppLoader(factory=partial(create_app, settings, name="sanic_chat"))
    app = loader.load()
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        dev=args.dev,
        access_log=args.dev or None,  # else Sanic's SANIC_ACCESS_LOG decides
        backlog=LISTEN_BACKLOG,
        protocol=ChatProtocol,
    )
    try:
        Sanic.serve(primary=app, app_loader=loader)
    finally:
        remove_run_directory(metrics_directory)
    return 0


async def _upgrade(settings: Settings) -> list[str]:
    from .migrate import upgrade

    return await upgrade(settings)


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    applied = asyncio.run(_upgrade(settings))
    print("applied: " + (", ".join(applied) if applied else "nothing, the schema is current"))
    return 0


def _db_migrate(args: argparse.Namespace) -> int:
    from .migrate import make_migration

    written = asyncio.run(make_migration(load_settings(), args.plugin, args.name))
    print(f"wrote: {written}" if written else f"nothing to write: {args.plugin}'s models match")
    return 0


def _plugins(args: argparse.Namespace) -> int:
    from . import __version__
    from .plugins import (
        CORE_APP,
        blocked_plugins,
        build_plugin_manager,
        collect_schemas,
        describe_plugins,
    )

    settings = load_settings()
    manager = build_plugin_manager(settings)
    schemas = {schema.app: schema for schema in collect_schemas(manager)}
    states = _migration_states(settings)
    print(f"{'(core)':<16} {CORE_APP:<28} sanic-chat {__version__}")
    print(f"{'':<16} migrations: {_migration_line(states, CORE_APP)}")
    for info in describe_plugins(manager):
        origin = (
            f"{info.distribution} {info.version}" if info.distribution else "registered in code"
        )
        print(f"{info.name:<16} {info.module:<28} {origin}")
        print(f"{'':<16} hooks: {', '.join(info.hooks)}")
        if info.name in schemas:
            print(f"{'':<16} tables: {', '.join(schemas[info.name].tables())}")
            print(f"{'':<16} migrations: {_migration_line(states, info.name)}")
    for name in blocked_plugins(manager):
        print(f"{name:<16} disabled by PLUGINS_DISABLED")
    return 0


def _migration_states(settings: Settings) -> dict | str:
    """Each app's migration state, or why it cannot be read."""
    from .migrate import migration_states

    if settings.is_sqlite:
        return "none (SQLite builds its schema from the models)"
    try:
        return asyncio.run(migration_states(settings))
    except Exception as exc:  # a listing still lists when the database cannot answer
        return f"unknown (the database did not answer: {type(exc).__name__}: {exc})"


def _migration_line(states: dict | str, app: str) -> str:
    if isinstance(states, str):
        return states
    state = states[app]
    parts = [f"{version} applied" for version in state.applied]
    parts += [f"{version} pending" for version in state.pending]
    return ", ".join(parts) or "none (no migrations folder)"
