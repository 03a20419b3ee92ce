"""Reading the messages of one kind of room: history pages, the newest of each room, and the
changes after a cursor (resume, and the cursor stream through `ChangeLog`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient

from ..changes import Change
from ..errors import NotFound
from ..events import Event
from ..storage import dialect_of
from .caches import author_model
from .fields import ViewFiller
from .membership import RoomMembership
from .model import Message
from .payloads import HistoryQuery
from .statements import latest_statement, page_statement
from .stored import StoredFacts
from .views import MessageViews

if TYPE_CHECKING:
    from ..rooms.kind import RoomKind


class MessageHistory:
    """What the messages of one kind of room were and are, as their members may read them."""

    def __init__(
        self,
        kind: RoomKind,
        views: MessageViews,
        membership: RoomMembership,
        filler: ViewFiller,
    ) -> None:
        self.kind = kind
        self.model = kind.message_model
        self._room_key = kind.room_column
        self._views = views
        self._filler = filler
        self._membership = membership
        self._page_statements: dict[tuple[str | None, str], str] = {}

    async def page(
        self, room_id: UUID, reader_id: UUID, query: HistoryQuery
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page of a room's history as clients see it, newest first, and the id to ask
        `before` next. The room is missing to a reader who is not a member.

        Keyset pagination on the (room, id) index: any page costs what the first does. One
        statement checks membership and reads the page with its authors' names, as plain rows:
        through the ORM, the query building and the model instances cost more than the query.
        """
        connection = self.model._meta.db
        dialect = dialect_of(connection)
        bound, start = None, None
        if query.before is not None:
            bound, start = "before", query.before
        elif query.after is not None:
            bound, start = "after", query.after
        # One row more than asked says whether an older page exists ("after" needs no next).
        limit = query.limit if bound == "after" else query.limit + 1
        values: list[Any] = [dialect.uuid(room_id), dialect.uuid(reader_id), limit]
        if bound is not None:
            values.append(start)
        statement = self._page_statement(bound, dialect.mark)
        rows = await connection.execute_query_dict(statement, values)
        if not rows:  # an empty page, or a room this reader is not in?
            await self._membership.including(room_id, reader_id)
            return [], None
        if bound == "after":  # the `limit` messages right after `after`, still newest first
            return await self._views_of_rows(rows[::-1], reader_id), None
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return await self._views_of_rows(page, reader_id), (page[-1]["id"] if more else None)

    async def _views_of_rows(
        self, rows: list[dict[str, Any]], viewer_id: UUID | None
    ) -> list[dict[str, Any]]:
        """Views of rows in `page_statement`'s shape, the plugins' fields filled in one batch."""
        views = [self._views.of_row(row) for row in rows]
        return await self._filler.fill(
            views,
            viewer_id,
            stored=StoredFacts.of_rows(
                (row["id"], row["seq"], row["sent_fields"], row["amended_by"]) for row in rows
            ),
        )

    def _page_statement(self, bound: str | None, mark: str) -> str:
        statement = self._page_statements.get((bound, mark))
        if statement is None:
            users_table = author_model(self.model)._meta.db_table  # known once Tortoise is up
            statement = page_statement(
                self.model._meta.db_table,
                self._room_key,
                users_table,
                self._membership.sql,
                bound,
                mark,
            )
            self._page_statements[(bound, mark)] = statement
        return statement

    async def latest(self, room_ids: list[UUID], viewer_id: UUID) -> dict[UUID, dict[str, Any]]:
        """The view of the newest message of each room that has one, as `viewer_id` sees it:
        one statement, and the plugins' fields filled in one batch.

        Read as plain rows, like a page: for a room list of hundreds of rooms, building model
        instances of these messages and their authors was the largest part of the work.
        """
        if not room_ids:
            return {}
        connection = self.model._meta.db
        dialect = dialect_of(connection)
        rooms, values = dialect.any_of(1, [dialect.uuid(r) for r in room_ids], "uuid")
        room_table = self.model._meta.fields_map[self.kind.room_field].related_model._meta.db_table
        statement = latest_statement(
            self.model._meta.db_table,
            self._room_key,
            room_table,
            author_model(self.model)._meta.db_table,
            rooms,
        )
        rows = await connection.execute_query_dict(statement, values)
        views = await self._views_of_rows(rows, viewer_id)
        return {UUID(str(row["room_id"])): view for row, view in zip(rows, views, strict=True)}

    async def get(self, room_id: UUID, message_id: int) -> Message:
        message = await self.model.get_or_none(
            id=message_id, **{self._room_key: room_id}
        ).select_related("author")
        if message is None:
            raise NotFound("No such message.", code="message_not_found")
        return message

    async def changes_since(
        self, room_ids_query: Any, since: int, limit: int, viewer_id: UUID | None = None
    ) -> list[Event]:
        """Message events after cursor `since` in the given rooms, oldest first (resume)."""
        changes = await self.changed(since, limit, rooms=room_ids_query, viewer_id=viewer_id)
        return [change.event(seen_up_to=since) for change in changes]

    async def changed(
        self,
        after: int,
        limit: int,
        connection: BaseDBAsyncClient | None = None,
        rooms: Any = None,
        with_recipients: bool = False,
        viewer_id: UUID | None = None,
    ) -> list[Change]:
        """The latest state of each message changed after cursor `after`, oldest change first:
        in the rooms `rooms` selects, or all; with each room's members as recipients if asked.

        The views are `viewer_id`'s (a resuming user), or every member's when None."""
        query = self.model.filter(seq__gt=after)
        if rooms is not None:
            query = query.filter(**{f"{self._room_key}__in": rooms})
        if connection is not None:
            query = query.using_db(connection)
        changed = await query.order_by("seq").limit(limit).select_related("author")
        members: dict[UUID, frozenset[UUID]] = {}
        changes = []
        for message in changed:
            room_id = getattr(message, self._room_key)
            if with_recipients and room_id not in members:
                members[room_id] = await self._membership.members(room_id, connection)
            changes.append(
                Change(
                    message.seq,
                    self.kind.event_prefix,
                    message.id,
                    message.deleted_at is not None,
                    self._views.of_message(message),
                    members.get(room_id, frozenset()),
                )
            )
        # One batch for every view: plugins' fields cost no query per message.
        await self._filler.fill(
            [change.view for change in changes],
            viewer_id,
            stored=StoredFacts.of_messages(changed),
        )
        return changes

    async def newest_cursor(self) -> int:
        """The cursor of the newest change in this kind of room (0 when none)."""
        connection = self.model._meta.db
        _, rows = await connection.execute_query(
            f'SELECT MAX(seq) AS seq FROM "{self.model._meta.db_table}"'
        )
        return rows[0]["seq"] or 0
