"""Two caches of the send path: authors' names and the sets of a room's members."""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from tortoise.models import Model

from .model import Message


def author_model(message_model: type[Message]) -> type[Model]:
    """The user model messages point to. Tortoise links it only when it initialises, so ask
    for it when it is needed, not when a store is built."""
    return message_model._meta.fields_map["author"].related_model


class AuthorCache:
    """Recently seen authors' names, so storing a message needs no query to name its author.

    Usernames never change in this product; a plugin that lets them change must clear this.
    Bounded: the least recently used entries go first.
    """

    SIZE = 10_000

    def __init__(self, message_model: type[Message]) -> None:
        self._message_model = message_model
        self._users: OrderedDict[UUID, Model] = OrderedDict()

    async def get(self, user_id: UUID) -> Model | None:
        user = self._users.get(user_id)
        if user is None:
            user_model = author_model(self._message_model)
            user = await user_model.filter(id=user_id).only("id", "username").first()
            if user is None:
                return None
            self._users[user_id] = user
            if len(self._users) > self.SIZE:
                self._users.popitem(last=False)
        else:
            self._users.move_to_end(user_id)
        return user


class MemberSets:
    """The sets of members the send statement returns, each built once while it stays the same.

    A room's members rarely change, but every send reads them: building a set of fresh UUIDs
    from the rows took a large share of the worker's time per message (docs/performance.md). The
    statement returns them as one text instead, and the text is the key, so a set is never
    stale: a changed membership is a new text. Bounded by the member ids held; the least
    recently used sets go first.
    """

    MAX_IDS = 100_000

    def __init__(self) -> None:
        self._sets: OrderedDict[str, frozenset[UUID]] = OrderedDict()
        self._ids = 0

    def get(self, joined: str) -> frozenset[UUID]:
        """The set of ids in `joined` ("id,id,...", empty when the room has no members)."""
        members = self._sets.get(joined)
        if members is not None:
            self._sets.move_to_end(joined)
            return members
        members = frozenset(UUID(text) for text in joined.split(",")) if joined else frozenset()
        self._sets[joined] = members
        self._ids += len(members)
        while self._ids > self.MAX_IDS and len(self._sets) > 1:
            _, evicted = self._sets.popitem(last=False)
            self._ids -= len(evicted)
        return members
