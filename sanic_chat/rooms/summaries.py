"""Plugins' fields on the summaries of a list of rooms (`chat_room_summary_fields`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from ..awaitables import await_me_maybe
from ..config import ConfigError

if TYPE_CHECKING:
    from sanic import Sanic

    from .kind import RoomKind


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
