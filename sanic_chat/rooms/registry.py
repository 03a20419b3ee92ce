"""The kinds of room of one app, each with its message store, and the hooks they answer.

`chat_register_room_kinds` is collected once per app; every kind then gets the same service
(`Room`), routes, WebSocket command and real-time hooks (`RoomHooks`): resume, typing members
and presence contacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any
from uuid import UUID

from sanic import Sanic
from sanic.blueprints import Blueprint

from ..config import ConfigError
from ..errors import NotFound
from ..events import Event
from ..hookspecs import hookimpl
from ..messages import HistoryQuery, MessageStore
from ..validation import parse
from .commands import one_room_payload, send_command, typing
from .kind import RoomKind
from .summaries import add_summary_fields


class Room:
    """The messages of one kind of room, behind the membership check and the kind's rules."""

    def __init__(self, app: Sanic, kind: RoomKind) -> None:
        self._app = app
        self.kind = kind
        self.messages = MessageStore(app, kind)

    async def send(
        self,
        room_id: UUID,
        user_id: UUID,
        content: str,
        client_id: UUID | None,
        extra: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        return await self.messages.send(room_id, user_id, content, client_id, extra)

    async def history(
        self, room_id: UUID, user_id: UUID, query: HistoryQuery
    ) -> tuple[list[dict[str, Any]], int | None]:
        return await self.messages.history.page(room_id, user_id, query)

    async def edit(
        self, room_id: UUID, user_id: UUID, message_id: int, content: str
    ) -> dict[str, Any]:
        members = await self.members_if_member(room_id, user_id)
        return await self.messages.edit(room_id, message_id, user_id, content, members)

    async def delete(self, room_id: UUID, user_id: UUID, message_id: int) -> dict[str, Any]:
        members = await self.members_if_member(room_id, user_id)
        return await self.messages.delete(room_id, message_id, user_id, members)

    async def members_if_member(self, room_id: UUID, user_id: UUID) -> frozenset[UUID]:
        """The room's members; the room is missing to anyone else."""
        return await self.messages.membership.including(room_id, user_id)

    async def contacts(self, user_id: UUID) -> set[UUID]:
        return await self.kind.members.contacts(user_id)

    async def add_summary_fields(
        self, user_id: UUID, summaries: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Plugins' fields (`chat_room_summary_fields`) on a list of `user_id`'s rooms of this
        kind, each summary a dict with the room's id under `id`: one hook call per list."""
        return await add_summary_fields(self._app, self.kind, user_id, summaries)

    async def changes_since(self, user_id: UUID, since: int, limit: int) -> list[Event]:
        return await self.messages.history.changes_since(
            self.kind.members.rooms_of(user_id), since, limit, viewer_id=user_id
        )


class Rooms:
    """Every kind of room of one app, by name."""

    def __init__(self, app: Sanic, kinds: list[RoomKind]) -> None:
        _refuse_clashes(kinds)
        self._rooms = {kind.name: Room(app, kind) for kind in kinds}

    def __getitem__(self, name: str) -> Room:
        return self._rooms[name]

    def __iter__(self) -> Iterator[Room]:
        return iter(self._rooms.values())

    def get(self, name: str) -> Room | None:
        return self._rooms.get(name)

    @cached_property
    def _one_room_payload(self) -> type[Any]:
        return one_room_payload([room.kind for room in self])

    def named_in(self, data: dict[str, Any]) -> tuple[Room, UUID]:
        """The room a command's `data` names by its kind's id field (`groupId`, ...), and its
        id: exactly one, a UUID; anything else is a 422 on `data`. Membership is the caller's
        to check."""
        if not self._one_room_payload.model_fields:
            raise NotFound("No kind of room is installed.", code="unknown_command")
        command = parse(self._one_room_payload, data, "data")
        room = next(room for room in self if getattr(command, room.kind.id_field) is not None)
        return room, getattr(command, room.kind.id_field)


def collect_room_kinds(manager: Any) -> list[RoomKind]:
    kinds = [
        kind
        for _, answer in manager.contributions(manager.hook.chat_register_room_kinds)
        for kind in answer
    ]
    for kind in kinds:
        if not isinstance(kind, RoomKind):
            raise ConfigError(f"chat_register_room_kinds returned {kind!r}, not a RoomKind")
    return kinds


def _refuse_clashes(kinds: list[RoomKind]) -> None:
    """Two kinds sharing a name, URL, event prefix or id field would answer for each other."""
    for attribute in ("name", "url_prefix", "event_prefix", "id_field"):
        seen: set[str] = set()
        for kind in kinds:
            value = getattr(kind, attribute)
            if value in seen:
                raise ConfigError(f"two room kinds share the {attribute} {value!r}")
            seen.add(value)


class RoomHooks:
    """The hooks every kind of room answers, implemented once for all of them."""

    def __init__(self, rooms: Rooms) -> None:
        self._rooms = rooms

    @hookimpl
    def chat_register_blueprints(self) -> list[Blueprint]:
        from .routes import room_blueprint

        return [room_blueprint(room.kind, room.messages.payloads) for room in self._rooms]

    @hookimpl
    def chat_register_commands(self) -> dict[str, Any]:
        sends = {
            f"{room.kind.event_prefix}.message.send": send_command(
                room.kind, room.messages.payloads.command
            )
            for room in self._rooms
        }
        return {"typing": typing, **sends}

    @hookimpl
    async def chat_changes_since(self, user_id: UUID, since: int, limit: int) -> list[Event]:
        events: list[Event] = []
        for room in self._rooms:
            events += await room.changes_since(user_id, since, limit)
        events.sort(key=lambda event: event.cursor or 0)
        return events[:limit]

    @hookimpl
    async def chat_room_members(
        self, room_type: str, room_id: str, user_id: UUID
    ) -> frozenset[UUID] | None:
        room = self._rooms.get(room_type)
        if room is None:
            return None
        return await room.members_if_member(UUID(room_id), user_id)

    @hookimpl
    async def chat_contacts(self, user_id: UUID) -> set[UUID]:
        contacts: set[UUID] = set()
        for room in self._rooms:
            contacts |= await room.contacts(user_id)
        return contacts
