"""A room of the drills, as the routes and events name it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Room:
    kind: str  # "group" or "conversation", as in the routes and event types
    id: str

    @classmethod
    def of(cls, kind: str, data: dict) -> Room:
        """The room an event's or a `readState` entry's data names (`groupId`, ...)."""
        return cls(kind, data[f"{kind}Id"])
