"""Plugins' fields on the summaries of a list of rooms: their values
(`chat_room_summary_fields`) and their place in the OpenAPI document
(`chat_register_summary_fields`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pydantic import create_model

from ..awaitables import await_me_maybe
from ..config import ConfigError
from ..messages.fields import collect_fields
from ..openapi import register_schema

if TYPE_CHECKING:
    from sanic import Sanic

    from .kind import RoomKind


def document_summary_fields(manager: Any, kinds: Iterable[RoomKind]) -> None:
    """Show the plugins' summary fields in each kind's summary schema, as optional properties
    (the app built last is the one the process's document describes)."""
    fields = collect_fields(manager, "chat_register_summary_fields", frozenset())
    if not fields:
        return
    for kind in kinds:
        schema = kind.summary_schema
        if schema is None:
            continue
        clash = fields.keys() & schema.model_fields.keys()
        if clash:
            raise ConfigError(
                f"chat_register_summary_fields: field {min(clash)!r} is {schema.__name__}'s own"
            )
        # Copies: pydantic may adjust a FieldInfo it is given.
        own = {name: (annotation, copy.copy(info)) for name, (annotation, info) in fields.items()}
        register_schema(create_model(schema.__name__, __base__=schema, **own))


async def add_summary_fields(
    app: Sanic, kind: RoomKind, user_id: UUID, summaries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Merge every plugin's fields into `summaries` (dicts with the room's id under `id`), in
    one hook call for the whole list; return the same list.

    A field two plugins write, or one the summary already has, is refused rather than merged:
    which one a client would see would depend on the order the plugins were loaded in.
    """
    manager = app.ctx.plugins
    hook = manager.hook.chat_room_summary_fields
    if not summaries or not hook.get_hookimpls():
        return summaries
    by_id = {UUID(str(summary["id"])): summary for summary in summaries}
    writers: dict[str, str] = {}
    answers = manager.answers(hook, app=app, kind=kind, user_id=user_id, room_ids=list(by_id))
    for plugin, answer in answers:
        for room_id, fields in (await await_me_maybe(answer) or {}).items():
            summary = by_id.get(room_id)
            if summary is None:  # not a room of this list: nothing to say about it
                continue
            for name, value in fields.items():
                owner = writers.setdefault(
                    name, "the room's own summary" if name in summary else plugin
                )
                if owner != plugin:
                    raise ConfigError(
                        f"room summary field {name!r} is written by both {owner!r} and {plugin!r}"
                    )
                summary[name] = value
    return summaries


def newest_activity_first(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort a room list (summaries as clients receive them) by `lastActivityAt`, newest first,
    in place; returns the same list.

    By instant, not by text: a time on a whole second is written without a fraction
    (`...:37Z`), which as text sorts after `...:37.500000Z`.
    """
    summaries.sort(key=_last_activity, reverse=True)
    return summaries


def _last_activity(summary: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(summary["lastActivityAt"].replace("Z", "+00:00"))
