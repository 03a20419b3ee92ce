"""Messages of one kind of room: history pages, resume, sends, edits and tombstones.

The statements are in `statements`, the order of changes in `ordering`; this is where they meet
the ORM, the events and the plugins' hooks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError

from ..awaitables import await_all, await_me_maybe
from ..batches import Batcher
from ..changes import Change
from ..errors import Conflict, Forbidden, NotFound
from ..events import Event
from ..transactions import transaction
from .caches import AuthorCache, MemberSets, author_model
from .model import Message, MessageDraft
from .ordering import message_models, next_position
from .payloads import HistoryQuery, message_out
from .statements import page_statement, send_statement

if TYPE_CHECKING:
    from ..rooms.kind import RoomKind

log = logging.getLogger("sanic_chat.messages")

# A draft with the time it was sent; what storing it gave: its position (None when its
# clientId was already stored) and its room's members.
Stamped = tuple[MessageDraft, datetime]
Inserted = tuple[int | None, frozenset[UUID]]


class MessageStore:
    """Messages of one kind of room (see `sanic_chat.rooms.RoomKind`).

    The kind names the room's foreign key on its message model, the events
    (`group.message.create`) and the room's id field in payloads. Its members' SELECT lets a
    send check membership and find its recipients in the same statement as its insert. A
    non-member gets the kind's `missing_room` error, the same as for a room that does not exist.
    """

    def __init__(self, app: Sanic, kind: RoomKind):
        self._app = app
        self.kind = kind
        self.model = kind.message_model
        self.room_type = kind.name
        self._room_key = kind.room_column
        self._out = message_out(kind.schema_prefix, kind.id_field)
        self._members_sql = kind.members.sql()
        self._missing_room = kind.missing_room
        self._send_statement: str | None = None  # see `_send_sql`
        self._sends: Batcher[Stamped, Inserted] = Batcher(self._insert_batch)
        self._authors = AuthorCache(self.model)
        self._member_sets = MemberSets()
        self._page_statements: dict[tuple[str | None, str], str] = {}
        app.ctx.changes.register(self)

    # ---- reading

    def serialise(self, message: Message) -> dict[str, Any]:
        return self._view(
            message.id,
            getattr(message, self._room_key),
            message.author.id,
            message.author.username,
            message.content,
            message.client_id,
            message.created_at,
            message.edited_at,
            message.deleted_at,
        )

    def _row_view(self, row: dict[str, Any]) -> dict[str, Any]:
        """`serialise` for a row of `page_statement`."""
        return self._view(
            row["id"],
            row["room_id"],
            row["author_id"],
            row["author_name"],
            row["content"],
            row["client_id"],
            row["created_at"],
            row["edited_at"],
            row["deleted_at"],
        )

    def _view(
        self,
        message_id: int,
        room_id: UUID,
        author_id: UUID,
        author_name: str,
        content: str | None,
        client_id: UUID | None,
        created_at: datetime,
        edited_at: datetime | None = None,
        deleted_at: datetime | None = None,
    ) -> dict[str, Any]:
        """A message as clients see it, from its parts: a new one needs no model instance.

        A deleted one keeps its place as a tombstone: no content, `deleted: true`.
        """
        deleted = deleted_at is not None
        return self._out.model_validate(
            {
                "id": message_id,
                self.kind.id_field: room_id,
                "author": {"id": author_id, "username": author_name},
                "content": None if deleted else content,
                "client_id": client_id,
                "created_at": created_at,
                "edited_at": edited_at,
                "deleted": deleted,
            }
        ).dump()

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
        postgres = connection.capabilities.dialect == "postgres"
        bound, start = None, None
        if query.before is not None:
            bound, start = "before", query.before
        elif query.after is not None:
            bound, start = "after", query.after
        # One row more than asked says whether an older page exists ("after" needs no next).
        limit = query.limit if bound == "after" else query.limit + 1
        if postgres:
            values: list[Any] = [room_id, reader_id, limit]
        else:  # SQLite stores UUIDs as text
            values = [str(room_id), str(reader_id), limit]
        if bound is not None:
            values.append(start)
        statement = self._page_statement(bound, "$" if postgres else "?")
        rows = await connection.execute_query_dict(statement, values)
        if not rows:  # an empty page, or a room this reader is not in?
            await self.members_including(room_id, reader_id)
            return [], None
        if bound == "after":  # the `limit` messages right after `after`, still newest first
            return [self._row_view(row) for row in reversed(rows)], None
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return [self._row_view(row) for row in page], (page[-1]["id"] if more else None)

    def _page_statement(self, bound: str | None, mark: str) -> str:
        statement = self._page_statements.get((bound, mark))
        if statement is None:
            users_table = author_model(self.model)._meta.db_table  # known once Tortoise is up
            statement = page_statement(
                self.model._meta.db_table,
                self._room_key,
                users_table,
                self._members_sql,
                bound,
                mark,
            )
            self._page_statements[(bound, mark)] = statement
        return statement

    async def latest(self, room_ids: list[UUID]) -> dict[UUID, Message]:
        """The newest message of each room, in two index lookups' worth of queries."""
        if not room_ids:
            return {}
        table = self.model._meta.db_table
        room_table = self.model._meta.fields_map[self.kind.room_field].related_model._meta.db_table
        connection = self.model._meta.db
        if connection.capabilities.dialect == "postgres":
            placeholders = ", ".join(f"${n}" for n in range(1, len(room_ids) + 1))
        else:
            placeholders = ", ".join(["?"] * len(room_ids))
        # A correlated MAX per room is one backward step on the (room, id) index each.
        sql = (
            f'SELECT (SELECT MAX(m.id) FROM "{table}" m WHERE m."{self._room_key}" = r.id) '
            f'AS last_id FROM "{room_table}" r WHERE r.id IN ({placeholders})'
        )
        _, rows = await connection.execute_query(sql, [str(r) for r in room_ids])
        ids = [row["last_id"] for row in rows if row["last_id"] is not None]
        messages = await self.model.filter(id__in=ids).select_related("author")
        return {getattr(m, self._room_key): m for m in messages}

    async def get(self, room_id: UUID, message_id: int) -> Message:
        message = await self.model.get_or_none(
            id=message_id, **{self._room_key: room_id}
        ).select_related("author")
        if message is None:
            raise NotFound("No such message.", code="message_not_found")
        return message

    async def changes_since(self, room_ids_query: Any, since: int, limit: int) -> list[Event]:
        """Message events after cursor `since` in the given rooms, oldest first (resume)."""
        changes = await self.changed(since, limit, rooms=room_ids_query)
        return [change.event(seen_up_to=since) for change in changes]

    async def changed(
        self,
        after: int,
        limit: int,
        connection: BaseDBAsyncClient | None = None,
        rooms: Any = None,
        with_recipients: bool = False,
    ) -> list[Change]:
        """The latest state of each message changed after cursor `after`, oldest change first:
        in the rooms `rooms` selects, or all; with each room's members as recipients if asked."""
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
                members[room_id] = await self.members(room_id, connection)
            changes.append(
                Change(
                    message.seq,
                    self.kind.event_prefix,
                    message.id,
                    message.deleted_at is not None,
                    self.serialise(message),
                    members.get(room_id, frozenset()),
                )
            )
        return changes

    async def newest_cursor(self) -> int:
        """The cursor of the newest change in this kind of room (0 when none)."""
        connection = self.model._meta.db
        _, rows = await connection.execute_query(
            f'SELECT MAX(seq) AS seq FROM "{self.model._meta.db_table}"'
        )
        return rows[0]["seq"] or 0

    # ---- writing

    async def send(
        self, room_id: UUID, author_id: UUID, content: str, client_id: UUID | None
    ) -> tuple[dict[str, Any], bool]:
        """Store a message from a member of the room (or find the one this `client_id`
        already stored) and publish it to the room's members.

        Returns the message as clients see it and whether it is new. The unique
        (author, client_id) constraint decides retries, so two racing retries store one message.
        """
        draft = MessageDraft(author_id, self.room_type, room_id, content, client_id)
        before_stored = self._app.ctx.plugins.hook.chat_before_message_stored
        if before_stored.get_hookimpls():
            # Plugins see drafts from members only: that costs a query of its own first.
            await self.members_including(room_id, author_id)
            await await_all(before_stored(draft=draft))
        # Named before storing: once stored, nothing should await between the batch's answer and
        # the event, so a worker publishes the sends of one batch in their cursors' order.
        author = await self._authors.get(author_id)
        if author is None:  # a valid token of a user who is gone: a member of nothing
            raise self._missing_room()
        connection = self.model._meta.db
        created_at = _now()
        if connection.capabilities.dialect != "postgres":
            inserted = await self._insert_in_transaction(draft, created_at)
        elif isinstance(connection, TransactionalDBClient):
            # Inside a caller's transaction: its lock and its commit are the caller's.
            (inserted,) = await self._insert_batch([(draft, created_at)], connection)
        else:
            inserted = await self._sends.submit((draft, created_at))
        if isinstance(inserted, BaseException):
            raise inserted
        position, members = inserted
        if position is None:
            existing = await self._by_client_id(author_id, client_id)
            if existing is None:  # the conflicting row vanished (its room was deleted)
                raise self._missing_room()
            if getattr(existing, self._room_key) != room_id:
                # Not a retry of that message: answering with it would lose this one silently.
                raise _client_id_reused()
            return self.serialise(existing), False
        if self._app.ctx.plugins.hook.chat_message_stored.get_hookimpls():
            message = self._instance(position, draft, created_at)
            message.author = author
            await self._notify_stored(message)
        # The draft's content: a `chat_before_message_stored` plugin may have rewritten it.
        view = self._view(
            position,
            room_id,
            author.id,
            author.username,
            draft.content,
            draft.client_id,
            created_at,
        )
        return await self._publish("create", view, members, position), True

    async def _insert_batch(
        self, drafts: list[Stamped], connection: BaseDBAsyncClient | None = None
    ) -> list[Inserted | BaseException]:
        """Store drafts in one statement: membership, position, lock and insert for all.

        The statement is its own transaction, so the advisory lock is held until it commits,
        as `next_position` requires. Each draft gets its position (None when its
        (author, clientId) already exists) and its room's members, or the error it alone met.
        """
        if connection is None:
            connection = self.model._meta.db
        columns = [
            [draft.room_id for draft, _ in drafts],
            [draft.author_id for draft, _ in drafts],
            [draft.content for draft, _ in drafts],
            [draft.client_id for draft, _ in drafts],
            [created_at for _, created_at in drafts],
        ]
        try:
            # execute_query would drop the RETURNING rows of an INSERT; this fetches them.
            rows = await connection.execute_query_dict(self._send_sql(), columns)
        except IntegrityError as exc:
            # The statement was refused whole, so nothing of it is stored: a room deleted since
            # its members were read. One draft's room must not fail the others' sends.
            if len(drafts) == 1:
                return [self._missing_room()]
            log.warning("a batch of %d sends was refused (%r): one by one now", len(drafts), exc)
            return [(await self._insert_batch([one], connection))[0] for one in drafts]
        except Exception as exc:
            # Anything else (a lost connection) may have struck after the commit: storing the
            # drafts again could store them twice. Each sender gets the error and may retry;
            # with a clientId a retry cannot store a second copy.
            return [exc] * len(drafts)
        outcomes: list[Inserted | BaseException] = []
        for (draft, _), row in zip(drafts, rows, strict=True):
            members = self._member_sets.get(row["members"])
            if draft.author_id not in members:
                outcomes.append(self._missing_room())
            elif row["reused"]:
                outcomes.append(_client_id_reused())
            else:
                outcomes.append((row["id"], members))
        return outcomes

    def _send_sql(self) -> str:
        """The send statement, built on first use: the other kinds of message it checks
        clientIds against are known only once Tortoise has started."""
        if self._send_statement is None:
            others = [m._meta.db_table for m in message_models() if m is not self.model]
            self._send_statement = send_statement(
                self.model._meta.db_table, self._room_key, self._members_sql, others
            )
        return self._send_statement

    async def _insert_in_transaction(self, draft: MessageDraft, created_at: datetime) -> Inserted:
        """SQLite: one writer at a time anyway, so a transaction of several statements."""
        try:
            async with transaction() as connection:
                members = await self.members_including(draft.room_id, draft.author_id, connection)
                if await self._client_id_used_elsewhere(draft, connection):
                    raise _client_id_reused()
                position = await next_position(connection)
                message = self._instance(position, draft, created_at)
                await message.save(using_db=connection, force_create=True)
        except IntegrityError:
            if draft.client_id is None:  # no clientId to clash: the room went away meanwhile
                raise self._missing_room() from None
            return None, members
        return position, members

    async def _client_id_used_elsewhere(
        self, draft: MessageDraft, connection: BaseDBAsyncClient
    ) -> bool:
        """SQLite: the send statement's `reused`, one query per other kind of message."""
        if draft.client_id is None:
            return False
        for model in message_models():
            if model is not self.model:
                other = model.filter(author_id=draft.author_id, client_id=draft.client_id)
                if await other.using_db(connection).exists():
                    return True
        return False

    async def members_including(
        self, room_id: UUID, user_id: UUID, connection: BaseDBAsyncClient | None = None
    ) -> frozenset[UUID]:
        """The room's members, if `user_id` is one of them; else the room is missing to them."""
        members = await self.members(room_id, connection)
        if user_id not in members:
            raise self._missing_room()
        return members

    async def members(
        self, room_id: UUID, connection: BaseDBAsyncClient | None = None
    ) -> frozenset[UUID]:
        """The ids of the room's members (none when there is no such room).

        Read as one text, as the send statement reads them, so a typing relay or an edit reuses
        the set a send already built for the same members.
        """
        if connection is None:
            connection = self.model._meta.db
        if connection.capabilities.dialect == "postgres":
            members = self._members_sql.format(room="$1")
            sql, values = f"SELECT array_to_string(ARRAY({members}), ',') AS members", [room_id]
        else:  # SQLite: ?1 may appear several times; UUIDs are stored as text
            members = self._members_sql.format(room="?1")
            sql = f"SELECT group_concat(user_id, ',') AS members FROM ({members})"
            values = [str(room_id)]
        _, rows = await connection.execute_query(sql, values)
        return self._member_sets.get(rows[0]["members"] or "")  # SQLite: NULL when none

    def _instance(self, position: int, draft: MessageDraft, created_at: datetime) -> Message:
        return self.model(
            id=position,
            seq=position,
            author_id=draft.author_id,
            content=draft.content,
            client_id=draft.client_id,
            created_at=created_at,
            **{self._room_key: draft.room_id},
        )

    async def edit(
        self,
        room_id: UUID,
        message_id: int,
        user_id: UUID,
        content: str,
        recipients: frozenset[UUID],
    ) -> dict[str, Any]:
        """Change a message's content, if the kind's `may_edit` lets `user_id`."""
        message = await self.get(room_id, message_id)
        if not await await_me_maybe(self.kind.may_edit(message, user_id)):
            raise Forbidden("Only the author can edit a message.", code="not_author")
        if message.deleted_at is not None or not await self._change(
            message, content=content, edited_at=_now()
        ):
            raise Conflict("A deleted message cannot be edited.", code="message_deleted")
        return await self._publish("edit", self.serialise(message), recipients, message.seq)

    async def delete(
        self,
        room_id: UUID,
        message_id: int,
        user_id: UUID,
        recipients: frozenset[UUID],
    ) -> dict[str, Any]:
        """Replace a message by its tombstone, if the kind's `may_delete` lets `user_id`."""
        message = await self.get(room_id, message_id)
        if not await await_me_maybe(self.kind.may_delete(message, user_id)):
            raise Forbidden("Only the author can delete this message.", code="not_author")
        if message.deleted_at is not None:
            return self.serialise(message)  # already a tombstone: nothing changes
        if not await self._change(message, content=None, deleted_at=_now()):
            # Deleted by someone else since it was read: the tombstone they left.
            return self.serialise(await self.get(room_id, message_id))
        return await self._publish("delete", self.serialise(message), recipients, message.seq)

    async def _change(self, message: Message, **changes: Any) -> bool:
        """Apply `changes` to `message` as the next change in the order; False, changing
        nothing, when it was deleted since it was read.

        The row is locked and checked before a position is taken: a check before the
        transaction would let an edit that read the message before a delete committed write
        the deleted text back, after the delete; and a change that takes a position it then
        does not use leaves a hole the cursor stream must wait out.
        """
        async with transaction() as connection:
            # `.only(...).first()`: Tortoise drops FOR UPDATE from exists() and values().
            live = (
                await self.model.filter(id=message.id, deleted_at=None)
                .select_for_update(no_key=True)
                .only("id")
                .using_db(connection)
                .first()
            )
            if live is None:
                return False
            position = await next_position(connection)
            await (
                self.model.filter(id=message.id)
                .using_db(connection)
                .update(seq=position, **changes)
            )
        for name, value in changes.items():
            setattr(message, name, value)
        message.seq = position
        return True

    async def _by_client_id(self, author_id: UUID, client_id: UUID) -> Message | None:
        return await self.model.get_or_none(
            author_id=author_id, client_id=client_id
        ).select_related("author")

    async def _notify_stored(self, message: Message) -> None:
        """Tell the `chat_message_stored` plugins (the caller checks that there are some)."""
        hook = self._app.ctx.plugins.hook.chat_message_stored
        try:
            room = await getattr(message, self.kind.room_field)
            await await_all(hook(message=message, room=room))
        except Exception:
            log.exception("a chat_message_stored hook failed")

    def _event(
        self, action: str, view: dict[str, Any], recipients: frozenset[UUID], cursor: int
    ) -> Event:
        return Event(f"{self.kind.event_prefix}.message.{action}", view, recipients, cursor=cursor)

    async def _publish(
        self, action: str, view: dict[str, Any], recipients: frozenset[UUID], cursor: int
    ) -> dict[str, Any]:
        """Publish the change; return the message as clients see it (serialised once)."""
        await self._app.ctx.events.publish(self._event(action, view, recipients, cursor))
        return view


def _client_id_reused() -> Conflict:
    # A clientId names one message of its author, whatever the room: a retry goes to the same
    # room, so the same id in another room is a client's mistake, and storing it or answering
    # with the other room's message would hide that.
    return Conflict(
        "This clientId was already used for a message in another room.",
        code="client_id_reused",
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)
