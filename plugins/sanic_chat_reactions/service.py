"""Reaction rules: who may react, adding and removing, reading them for many messages at once.
The only writer of reactions and the only publisher of their events.

A reaction change is a change of its message (`MessageStore.amend`): it takes the message's
next cursor in the transaction that writes it, under the message's row lock, so reactions to
one message change one after the other and each event's counts are those of its cursor.
Resume and the cursor stream then carry the message, reactions included, like an edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient

from sanic_chat.plugin import Event, dialect_of, dumps, loads, may_be_amended_by

from .models import Reaction, ReactionSummary
from .schemas import MessageReactions, reaction_event

# A message's reactions as clients see them: `{emoji, count, me?}` in order of first use.
Reactions = list[dict[str, Any]]
ADD, REMOVE = "add", "remove"
# What this plugin's amendments are recorded as (a message's `amended_by`).
AMENDED_BY = "reactions"


class ReactionService:
    def __init__(self, app: Sanic) -> None:
        self._app = app
        self._events = app.ctx.events

    async def react(
        self,
        kind_name: str,
        room_id: UUID,
        message_id: int,
        user_id: UUID,
        emoji: str,
        action: str,
    ) -> tuple[dict[str, Any], bool]:
        """Add or remove `user_id`'s reaction; the message's reactions as they see them, and
        whether anything changed. Doing it twice changes nothing the second time, and then
        nothing is published. The room is missing to a non-member; a tombstone is a 409."""
        room = self._app.ctx.rooms[kind_name]
        members = await room.members_if_member(room_id, user_id)
        after: list[Reactions] = []

        async def amendment(connection: BaseDBAsyncClient) -> bool:
            if action == ADD:
                changed = await _add(connection, message_id, user_id, emoji)
            else:
                changed = await _remove(connection, message_id, user_id, emoji)
            # Read under the message's lock: the counts of this change, not of a later one.
            reactions = (await self.of_messages([message_id], user_id, connection))[message_id]
            if changed:
                await _summarise(connection, message_id, reactions)
            after.append(reactions)
            return changed

        message, changed = await room.messages.amend(room_id, message_id, amendment, by=AMENDED_BY)
        (reactions,) = after
        if changed:
            kind = room.kind
            data = reaction_event(kind.schema_prefix, kind.id_field)(
                message_id=message_id,
                user_id=user_id,
                emoji=emoji,
                action=action,
                reactions=for_everyone(reactions),
                **{kind.id_field: room_id},
            ).model_dump(mode="json", by_alias=True, exclude_none=True)
            name = f"{kind.event_prefix}.message.reaction"
            await self._events.publish(Event(name, data, members, cursor=message.seq))
        answer = MessageReactions(message_id=message_id, reactions=reactions)
        return answer.model_dump(mode="json", by_alias=True, exclude_none=True), changed

    async def fill(
        self,
        views: list[dict[str, Any]],
        viewer: UUID | None,
        amended_by: dict[int, frozenset[str] | None],
    ) -> None:
        """Set `reactions` in message views, one query for them all; a tombstone has none, and
        neither has a message this plugin never amended (`amended_by`): every reaction is an
        amendment of its message. A page without reactions then costs no query, however its
        messages were edited or replied to."""
        live = [
            view
            for view in views
            if not view["deleted"] and may_be_amended_by(amended_by[view["id"]], AMENDED_BY)
        ]
        if not live:
            return
        found = await self.summarised([view["id"] for view in live], viewer)
        for view in live:
            view["reactions"] = found[view["id"]]

    async def summarised(self, message_ids: list[int], viewer: UUID | None) -> dict[int, Reactions]:
        """`of_messages` read from the messages' summaries, one row each, with the viewer's own
        reactions for `me`: one statement. A message reacted to before summaries were kept is
        summed from its reactions (a second statement, only then)."""
        connection = Reaction._meta.db
        dialect = dialect_of(connection)
        first = 1 if viewer is None else 2
        among, id_values = dialect.any_of(first, message_ids, "bigint")
        viewer_mark = None if viewer is None else dialect.placeholder(1)
        values = id_values if viewer is None else [dialect.uuid(viewer), *id_values]
        _, rows = await connection.execute_query(summaries_statement(among, viewer_mark), values)
        counts: dict[int, list[list[Any]]] = {}
        mine: dict[int, set[str]] = {}
        for row in rows:
            if row["counts"] is not None:
                counts[row["message_id"]] = loads(row["counts"])
            else:
                mine.setdefault(row["message_id"], set()).add(row["mine"])
        found: dict[int, Reactions] = {}
        for message_id, summary in counts.items():
            own = mine.get(message_id, set())
            found[message_id] = [
                {"emoji": emoji, "count": count}
                if viewer is None
                else {"emoji": emoji, "count": count, "me": emoji in own}
                for emoji, count in summary
            ]
        unsummarised = [message_id for message_id in message_ids if message_id not in counts]
        if unsummarised:
            found.update(await self.of_messages(unsummarised, viewer))
        return found

    async def of_messages(
        self,
        message_ids: Iterable[int],
        viewer: UUID | None,
        connection: BaseDBAsyncClient | None = None,
    ) -> dict[int, Reactions]:
        """The reactions of each message, in one query whatever their number: with `me` for
        `viewer`, without it when `viewer` is None (a frame every member is sent)."""
        ids = list(dict.fromkeys(message_ids))
        found: dict[int, Reactions] = {message_id: [] for message_id in ids}
        if not ids:
            return found
        if connection is None:
            connection = Reaction._meta.db
        dialect = dialect_of(connection)
        among, id_values = dialect.any_of(2, ids, "bigint")
        viewer_value = None if viewer is None else dialect.uuid(viewer)
        statement = counts_statement(among, dialect.placeholder(1))
        # Rows as the driver gives them (read by name): a page may hold hundreds.
        _, rows = await connection.execute_query(statement, [viewer_value, *id_values])
        for row in rows:
            reaction: dict[str, Any] = {"emoji": row["emoji"], "count": row["count"]}
            if viewer is not None:
                reaction["me"] = bool(row["me"])
            found[row["message_id"]].append(reaction)
        return found


def summaries_statement(ids: str, viewer: str | None) -> str:
    """The summaries of the messages `message_id {ids}` selects (`counts` set, `mine` NULL),
    then, for `viewer` (a mark; None: no viewer), a row per reaction of theirs among them
    (`mine` the emoji, `counts` NULL). Primary-key lookups, then one range of the
    (user_id, message_id) index: its plan is pinned by tests/plugins/reactions/test_plans.py.
    """
    summaries = (
        f'SELECT message_id, counts, NULL AS mine FROM "{ReactionSummary._meta.db_table}"'
        f" WHERE message_id {ids}"
    )
    if viewer is None:
        return summaries
    return (
        f"{summaries} UNION ALL SELECT message_id, NULL, emoji"
        f' FROM "{Reaction._meta.db_table}" WHERE user_id = {viewer} AND message_id {ids}'
    )


def counts_statement(ids: str, viewer: str) -> str:
    """Each (message, emoji) of the messages `message_id {ids}` selects, with its count and
    whether `viewer` (a mark) is among those who reacted, in order of first use.

    The unique (message_id, emoji, user_id) index keeps each message's reactions together,
    grouped by emoji: the statement reads those rows and no others (its plan is pinned by
    tests/plugins/reactions/test_plans.py). First use is the lowest id among an emoji's
    reactions.
    """
    return (
        "SELECT message_id, emoji, COUNT(*) AS count,"
        f" MAX(CASE WHEN user_id = {viewer} THEN 1 ELSE 0 END) AS me"
        f' FROM "{Reaction._meta.db_table}" WHERE message_id {ids}'
        " GROUP BY message_id, emoji ORDER BY message_id, MIN(id)"
    )


def for_everyone(reactions: Reactions) -> Reactions:
    """The reactions as a frame sent once to every member shows them: without `me`."""
    return [{"emoji": r["emoji"], "count": r["count"]} for r in reactions]


async def _summarise(connection: BaseDBAsyncClient, message_id: int, reactions: Reactions) -> None:
    """Write a message's summary from its reactions as just read, under its row lock."""
    dialect = dialect_of(connection)
    counts = dumps([[reaction["emoji"], reaction["count"]] for reaction in reactions])
    await connection.execute_query(
        f'INSERT INTO "{ReactionSummary._meta.db_table}" (message_id, counts)'
        f" VALUES ({dialect.placeholder(1)}, {dialect.placeholder(2)})"
        " ON CONFLICT (message_id) DO UPDATE SET counts = excluded.counts",
        [message_id, counts],
    )


async def _add(connection: BaseDBAsyncClient, message_id: int, user_id: UUID, emoji: str) -> bool:
    # The message's row lock (see the module doc) keeps a second add of the same reaction
    # waiting until this one commits, so checking first cannot store it twice.
    mine = Reaction.filter(message_id=message_id, user_id=user_id, emoji=emoji)
    if await mine.using_db(connection).exists():
        return False
    await Reaction.create(message_id=message_id, user_id=user_id, emoji=emoji, using_db=connection)
    return True


async def _remove(
    connection: BaseDBAsyncClient, message_id: int, user_id: UUID, emoji: str
) -> bool:
    mine = Reaction.filter(message_id=message_id, user_id=user_id, emoji=emoji)
    return await mine.using_db(connection).delete() > 0
