"""Reactions in the drills: what each device shows, and what the database holds.

A reaction is a change of its message, with a cursor, so the delivery guarantee covers it: a
device that keeps each message's reactions as the newest frame about the message showed them
(a `*.message.reaction` event, or the message itself in a create, an edit, a delete or a
replay) must end with what the database holds, whatever failed meanwhile. Counts only: `me`
is per user and not in frames sent to every member.
"""

from __future__ import annotations

import itertools
from typing import Any

import asyncpg

# A shortcode among them: it travels in the REST path as the emoji do.
EMOJI = ("👍", "🎉", ":+1:")

MessageKey = tuple[str, int]  # (room kind, message id)
Counts = tuple[tuple[str, int], ...]  # (emoji, count) in order of first use


def counts_of(reactions: list[dict[str, Any]]) -> Counts:
    return tuple((reaction["emoji"], reaction["count"]) for reaction in reactions)


class ShownReactions:
    """One device's reactions by message, from the frames it got and the pages it reloaded.

    Frames about one message arrive in cursor order, so the last one is the newest. A page
    reloaded after a `resync` was read at some moment during the reload: a frame that came in
    after the reload began is at least as new, and the page does not overwrite it.
    """

    def __init__(self) -> None:
        self.shown: dict[MessageKey, Counts] = {}
        self._updated: dict[MessageKey, int] = {}
        self._serials = itertools.count()

    def on_message(self, kind: str, view: dict[str, Any]) -> None:
        self._show((kind, view["id"]), counts_of(view.get("reactions", [])))

    def on_reaction(self, kind: str, data: dict[str, Any]) -> None:
        self._show((kind, data["messageId"]), counts_of(data["reactions"]))

    def reloading(self) -> int:
        """Call as a reload begins; give what it returns to `on_page`."""
        return next(self._serials)

    def on_page(self, kind: str, messages: list[dict[str, Any]], reload_began: int) -> None:
        for message in messages:
            key = (kind, message["id"])
            if self._updated.get(key, -1) < reload_began:
                self.shown[key] = counts_of(message.get("reactions", []))

    def snapshot(self) -> dict[MessageKey, Counts]:
        return {key: counts for key, counts in self.shown.items() if counts}

    def _show(self, key: MessageKey, counts: Counts) -> None:
        self.shown[key] = counts
        self._updated[key] = next(self._serials)


async def read_reactions(database_url: str, kinds: dict[int, str]) -> dict[MessageKey, Counts]:
    """What the database holds: each reacted message's counts in order of first use. `kinds`
    names the room kind of every message of the drill's rooms, by id."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT message_id, emoji, COUNT(*) AS count FROM message_reactions"
            " GROUP BY message_id, emoji ORDER BY message_id, MIN(id)"
        )
    finally:
        await connection.close()
    reactions: dict[MessageKey, Counts] = {}
    for row in rows:
        key = (kinds[row["message_id"]], row["message_id"])
        reactions[key] = (*reactions.get(key, ()), (row["emoji"], row["count"]))
    return reactions


def reactions_off(
    shown: dict[MessageKey, Counts], truth: dict[MessageKey, Counts], visible: set[MessageKey]
) -> list[str]:
    """The messages a device may see whose reactions it shows otherwise than the database."""
    keys = (shown.keys() | truth.keys()) & visible
    return [
        f"{key[0]} {key[1]}: {shown.get(key, ())} != {truth.get(key, ())}"
        for key in sorted(keys)
        if shown.get(key, ()) != truth.get(key, ())
    ]
