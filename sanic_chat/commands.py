"""WebSocket commands: the frame a client sends, its handler, and the `ack` or `error` answer.

Commands come from the plugins (`chat_register_commands`) beside the core's `ping`; one
connection's commands run one at a time, so its answers come back in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, StrictStr
from sanic import Sanic

from . import metrics
from .errors import BadRequest, ChatError, NotFound, unexpected_error_problem
from .hub import Connection
from .jsoncodec import dumps, loads
from .plugins import PluginError
from .validation import parse


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a WebSocket command handler knows about its caller."""

    app: Sanic
    user_id: UUID
    connection: Connection


CommandHandler = Callable[[CommandContext, dict[str, Any]], Awaitable[dict[str, Any]]]


# Refs are echoed as given; JSON parsers read integers beyond 64 bits as floats. Strict types:
# `true` or `1.0` would otherwise come back as `1`.
Ref = StrictStr | Annotated[StrictInt, Field(ge=-(2**63), le=2**63 - 1)]


class CommandFrame(BaseModel):
    type: str = Field(min_length=1, max_length=100)
    ref: Ref | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def collect_commands(manager: Any, app: Sanic) -> dict[str, CommandHandler]:
    """Every plugin's WebSocket commands; two plugins claiming one type is a start-up error."""
    commands: dict[str, CommandHandler] = {}
    owners = dict.fromkeys(CORE_COMMANDS, "the core")
    for plugin, contribution in manager.contributions(manager.hook.chat_register_commands, app=app):
        label = manager.label(plugin)
        for name, handler in contribution.items():
            if name in owners:
                raise PluginError(
                    f"plugin {label!r} cannot be loaded: WebSocket command {name!r} is "
                    f"registered twice (also by {owners[name]})"
                )
            owners[name] = f"plugin {label!r}"
            commands[name] = handler
    return commands


async def read_commands(app: Sanic, connection: Connection) -> None:
    # Commands of one connection run one at a time, so its acks come back in order. The next
    # command is read only once the queue has room for its answer: a client that does not read
    # its answers is not read either (its socket fills, then the write deadline closes it).
    while await connection.wait_for_room():
        try:
            raw = await connection.ws.recv()
        except asyncio.CancelledError:
            return  # Sanic cancels the read when the connection is torn down
        if raw is None or connection.closing:
            return
        with app.ctx.hub.command_under_way():
            connection.send(await answer(app, connection, raw))


async def answer(app: Sanic, connection: Connection, raw: str | bytes) -> str:
    ref = None
    try:
        try:
            frame = parse(CommandFrame, loads(raw), "frame")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("Frames must be JSON objects.", code="malformed_frame") from None
        ref = frame.ref
        handler = app.ctx.commands.get(frame.type)
        if handler is None:
            raise NotFound(f"Unknown command {frame.type!r}.", code="unknown_command")
        context = CommandContext(app, connection.user_id, connection)
        started = time.perf_counter()
        try:
            result = await handler(context, frame.data)
        finally:
            metrics.command_seconds.labels(frame.type).observe(time.perf_counter() - started)
        return _reply("ack", ref, "data", result)
    except ChatError as exc:
        return _reply("error", ref, "error", exc.to_problem())
    except Exception as exc:
        problem, _ = unexpected_error_problem(exc, "a WebSocket command")
        return _reply("error", ref, "error", problem)


def _reply(frame_type: str, ref: str | int | None, key: str, value: Any) -> str:
    frame = {"type": frame_type, "ref": ref, key: value}
    return dumps(frame)


async def ping(context: CommandContext, data: dict[str, Any]) -> dict[str, Any]:
    return {"pong": time.time()}


CORE_COMMANDS: dict[str, CommandHandler] = {"ping": ping}
