"""`create_app`: compose one worker's Sanic app from the configuration and the plugins."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from sanic import Sanic

from . import __version__
from .access import install_access_log
from .awaitables import await_all
from .changes import ChangeLog
from .collector import freeze_startup_objects
from .commands import collect_commands
from .config import Settings, ensure_development_secrets, load_settings
from .db import install_orm
from .errors import install_error_handler
from .events import EventBus
from .gateway import install_gateway
from .headers import install_security_headers
from .health import health_blueprint
from .jsoncodec import dumps_bytes, loads
from .logs import configure_logging, redact_tokens_in_logs, use_log_format_for_sanic
from .messages.fields import collect_message_fields
from .metrics import metrics_blueprint
from .openapi import configure_openapi
from .plugins import build_plugin_manager, collect_schemas
from .request_heads import install_request_head_check
from .rooms.registry import RoomHooks, Rooms, collect_room_kinds
from .rooms.summaries import document_summary_fields

# Bodies above this are refused with 413 before they are read.
MAX_REQUEST_BYTES = 1 << 20

_app_numbers = itertools.count()


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Iterable[Any] = (),
    name: str | None = None,
) -> Sanic:
    """Build the app. Runs once per worker process (Sanic spawns workers).

    `plugins` registers extra plugin objects beside the installed ones (tests use it); `name`
    defaults to a fresh one, so several apps can live in one process.
    """
    if settings is None:
        ensure_development_secrets()
        settings = load_settings()
    configure_logging(settings.log_format)
    manager = build_plugin_manager(settings, plugins)

    app = Sanic(name or f"sanic_chat_{next(_app_numbers)}", dumps=dumps_bytes, loads=loads)
    use_log_format_for_sanic(settings.log_format)
    redact_tokens_in_logs()
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.config.CORS_ORIGINS = ",".join(settings.cors_origins)
    app.config.CORS_SUPPORTS_CREDENTIALS = bool(settings.cors_origins) and (
        "*" not in settings.cors_origins
    )
    app.ctx.settings = settings
    app.ctx.plugins = manager
    app.ctx.events = EventBus()
    app.ctx.changes = ChangeLog()
    kinds = collect_room_kinds(manager)
    # Before the rooms: their payloads carry the fields plugins add to messages.
    app.ctx.message_fields = collect_message_fields(manager, [kind.id_field for kind in kinds])
    # Every kind of room gets its routes, commands and real-time hooks from one plugin object.
    app.ctx.rooms = Rooms(app, kinds)
    manager.register_named(RoomHooks(app.ctx.rooms), "sanic_chat.rooms")

    install_error_handler(app)
    install_access_log(app)
    install_security_headers(app)
    install_request_head_check(app)
    configure_openapi(app, title="sanic-chat", version=__version__)
    # PostgreSQL gets its schema from the migrations; the embedded SQLite from the models.
    install_orm(app, settings, collect_schemas(manager))
    app.blueprint(health_blueprint())
    app.blueprint(metrics_blueprint())
    for _, blueprints in manager.contributions(
        manager.hook.chat_register_blueprints, app=app, settings=settings
    ):
        for blueprint in blueprints:
            app.blueprint(blueprint)
    # After the routes: their schemas are in the document, and these replace the summaries'.
    document_summary_fields(manager, kinds)
    install_gateway(app, collect_commands(manager, app))
    # After the WebSocket relay: a slow observer must not hold back deliveries.
    app.ctx.events.subscribe(lambda event: _notify_plugins(manager, event))
    manager.contributions(manager.hook.chat_configure_app, app=app, settings=settings)
    freeze_startup_objects(app)
    return app


async def _notify_plugins(manager: Any, event: Any) -> None:
    hook = manager.hook.chat_event_published
    if hook.get_hookimpls():  # most installations have no listener: skip the hook machinery
        await await_all(hook(event=event))
