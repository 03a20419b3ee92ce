"""Messages, one design for every kind of room (groups, 1:1 conversations, plugins' own).

A room plugin subclasses `Message` with the foreign key to its room and builds a `MessageStore`
for it; storage, ordering, idempotency, history pages, tombstones, serialisation and events are
written once, here. The plugin keeps what differs: who is a member and who may do what.

Ordering. Every message change (create, edit, delete) takes the next value of one sequence
shared by all rooms, inside its transaction and under a transaction-scoped advisory lock held
until commit. So the order of these values is the order of commits: a change that committed
earlier never has a larger value than one that committed later. A message's `id` is the value
taken when it was created (the room's order); its `seq` is the value of its latest change, the
cursor clients resume from. New messages that a worker is asked to store at the same moment go
in one statement (`Batcher`), so the lock costs one commit per batch, not one per message.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from sanic import Sanic
from tortoise import Tortoise, fields
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from .awaitables import await_all
from .batches import Batcher
from .changes import Change
from .errors import ChatError, Conflict, Forbidden, NotFound
from .events import Event
from .schemas import NOT_BLANK, CamelModel, at_most
from .transactions import transaction

log = logging.getLogger("sanic_chat.messages")

MAX_CONTENT_CHARS = 4000
DEFAULT_PAGE = 50
MAX_PAGE = 100
SEQUENCE = "chat_message_seq"
# Any constant: it names the one lock that orders message changes across the service.
ORDER_LOCK = 7_316_001
# The largest id a message can have (ids are bigint positions from SEQUENCE, from 1).
LAST_ID = 2**63 - 1

# What draws nothing: controls, format characters (zero-width spaces and joiners, U+2060,
# U+FEFF, ...), separators, combining marks without a base, and letters that render blank.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")


def _something_visible(content: str) -> str:
    if all(
        char in _BLANK_LETTERS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in content
    ):
        raise ValueError("Content must contain at least one visible character")
    return content


MessageContent = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CONTENT_CHARS),
    at_most(MAX_CONTENT_CHARS),
    AfterValidator(_something_visible),
    Field(
        description=f"Text, 1-{MAX_CONTENT_CHARS} characters after trimming, at least one of "
        "them visible.",
        json_schema_extra={"pattern": NOT_BLANK},
    ),
]


class Message(Model):
    """Fields every kind of message has. Subclasses add the room foreign key."""

    id = fields.BigIntField(primary_key=True, generated=False)
    seq = fields.BigIntField(db_index=True, description="Cursor of the latest change.")
    author = fields.ForeignKeyField("models.User", related_name=False, on_delete=fields.CASCADE)
    content = fields.TextField(null=True, description="NULL once deleted (a tombstone).")
    client_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        abstract = True


@dataclass
class MessageDraft:
    """A message about to be stored, as `chat_before_message_stored` sees it."""

    author_id: UUID
    room_type: str
    room_id: UUID
    content: str
    client_id: UUID | None = None


# A draft with the time it was sent; what storing it gave: its position (None when its
# clientId was already stored) and its room's members.
Stamped = tuple[MessageDraft, datetime]
Inserted = tuple[int | None, frozenset[UUID]]


# --------------------------------------------------------------------------------------------
# Payloads
# --------------------------------------------------------------------------------------------


class MessageAuthor(CamelModel):
    id: UUID
    username: str


class MessageOut(CamelModel):
    """A message as clients see it. A deleted one keeps its place with `deleted: true`."""

    id: int = Field(description="Increasing within a room: the room's order.")
    author: MessageAuthor
    content: str | None = Field(description="Null when deleted.")
    client_id: UUID | None = None
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False


class SendMessage(CamelModel):
    content: MessageContent
    client_id: UUID | None = Field(
        None,
        description="Chosen by the client. Retrying with the same clientId returns the "
        "original message instead of storing a second one.",
    )


class EditMessage(CamelModel):
    content: MessageContent


class HistoryQuery(CamelModel):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"1-{MAX_PAGE}.")
    # Bounded to the ids there can be: PostgreSQL refuses a larger bigint (a 500, not a page).
    before: int | None = Field(
        None, ge=0, le=LAST_ID, description="Only messages older than this id; not with `after`."
    )
    after: int | None = Field(
        None, ge=0, le=LAST_ID, description="Only messages newer than this id; not with `before`."
    )

    @model_validator(mode="after")
    def _one_direction(self) -> HistoryQuery:
        if self.before is not None and self.after is not None:
            raise ValueError("give at most one of before and after")
        return self


# --------------------------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------------------------


async def next_position(connection: BaseDBAsyncClient) -> int:
    """Take the next position in the one order of message changes (see the module doc).

    Must run inside the writing transaction: on PostgreSQL the advisory lock is held until it
    commits. SQLite runs one write transaction at a time anyway; its counter is a row, so a
    position is never handed out twice, even after the newest messages were deleted.
    """
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(
            f"SELECT pg_advisory_xact_lock({ORDER_LOCK}), nextval('{SEQUENCE}') AS position"
        )
        return rows[0]["position"]
    _, rows = await connection.execute_query(
        f'UPDATE "{SEQUENCE}" SET value = value + 1 RETURNING value AS position'
    )
    return rows[0]["position"]


async def create_sqlite_positions(connection: BaseDBAsyncClient) -> None:
    """SQLite's stand-in for PostgreSQL's sequence: one row, starting after every stored
    change (a database written by an older version numbered from its messages)."""
    tables = [model._meta.db_table for model in message_models()]
    highest = " UNION ALL ".join(f'SELECT MAX(seq) AS seq FROM "{table}"' for table in tables)
    await connection.execute_script(
        f'CREATE TABLE IF NOT EXISTS "{SEQUENCE}" (value BIGINT NOT NULL);'
        f'INSERT INTO "{SEQUENCE}" (value) SELECT COALESCE(MAX(seq), 0) FROM ({highest})'
        f' WHERE NOT EXISTS (SELECT 1 FROM "{SEQUENCE}");'
    )


def message_models() -> list[type[Message]]:
    """Every kind of message (one table per kind of room). Known once Tortoise has started."""
    return [model for model in Tortoise.apps["models"].values() if issubclass(model, Message)]


def author_model(message_model: type[Message]) -> type[Model]:
    """The user model messages point to. Tortoise links it only when it initialises, so ask
    for it when it is needed, not when a store is built."""
    return message_model._meta.fields_map["author"].related_model


def send_statement(
    table: str, room_key: str, members_sql: str, other_tables: Sequence[str] = ()
) -> str:
    """The statement that stores a batch of drafts: one row in per draft, one row out per draft.

    Takes arrays of room ids, authors, contents, clientIds and times ($1-$5). Each draft's room
    members (`members_sql`, with `{room}` for the room) are read once and serve both its
    membership test and its recipients. A draft whose (author, clientId) is already stored in
    one of `other_tables` (the other kinds of message) is `reused` and not stored. Positions
    are taken under the order lock in the drafts' order, for the drafts whose sender is a member;
    the insert skips an (author, clientId) already stored. Out come the members (their ids
    joined by commas: see `MemberSets`), the new id (NULL when not stored) and `reused` of each
    draft.
    """
    members = members_sql.format(room="draft.room")
    # One probe of the (author_id, client_id) index of each other table; none without a clientId.
    reused = " OR ".join(
        f'EXISTS (SELECT 1 FROM "{other}" o'
        "  WHERE o.author_id = draft.author AND o.client_id = draft.client_id)"
        for other in other_tables
    )
    # A retry of a message stored before this statement began (or sent twice in one batch)
    # takes no position: a position with no row is a hole the cursor stream must wait out.
    # One racing this statement still meets ON CONFLICT below.
    retried = (
        f'EXISTS (SELECT 1 FROM "{table}" t'
        "  WHERE t.author_id = draft.author AND t.client_id = draft.client_id)"
        " OR EXISTS (SELECT 1 FROM draft earlier WHERE earlier.n < draft.n"
        "  AND earlier.author = draft.author AND earlier.client_id = draft.client_id)"
    )
    return (
        "WITH draft AS ("
        "  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[],"
        "  $5::timestamptz[]) WITH ORDINALITY"
        "  AS draft(room, author, content, client_id, created_at, n)"
        "), checked AS MATERIALIZED ("
        f"  SELECT draft.*, ARRAY({members}) AS members, ({reused or 'false'}) AS reused,"
        f"  ({retried}) AS retried"
        "  FROM draft"
        "), position AS MATERIALIZED ("
        f"  SELECT nextval('{SEQUENCE}') AS id, admitted.*"
        f"  FROM pg_advisory_xact_lock({ORDER_LOCK}), ("
        "    SELECT * FROM checked"
        "    WHERE author = ANY(members) AND NOT reused AND NOT retried"
        "    ORDER BY n OFFSET 0"
        "  ) AS admitted"
        "), inserted AS ("
        f'  INSERT INTO "{table}"'
        f'  (id, seq, "{room_key}", author_id, content, client_id, created_at)'
        "  SELECT id, id, room, author, content, client_id, created_at FROM position"
        "  ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id"
        ") "
        "SELECT array_to_string(checked.members, ',') AS members, inserted.id, checked.reused"
        " FROM checked"
        " LEFT JOIN position ON position.n = checked.n"
        " LEFT JOIN inserted ON inserted.id = position.id"
        " ORDER BY checked.n"
    )


def page_statement(
    table: str, room_key: str, users_table: str, members_sql: str, bound: str | None, mark: str
) -> str:
    """The statement for one page of a room's history, read by a member of the room.

    Parameters (`mark` is "$" for PostgreSQL, "?" for SQLite): 1 the room, 2 the reader, 3 how
    many rows, 4 the id the page starts after (`bound` "after", oldest first) or before
    (`bound` "before", newest first; None: the newest page). A reader who is not a member gets
    no rows, as from an empty room: membership is a one-time filter, one index lookup on the
    room's members however many they are.

    The room's rows are written as a range of (room, id) pairs rather than `room = $1`: with the
    room a constant, a generic plan (which a prepared statement gets after a few runs) may walk
    the primary key backwards and filter by room, through every newer message of every other
    room (docs/performance.md). Only the (room, id) index serves the range, in the page's
    order, reading no more than the page.

    The page is limited before its authors are named: a join under the `LIMIT` left the planner
    free to hash the rest of the room when the statistics of the users table tipped it. Each
    author's name is one primary-key lookup per row of the page.
    The inner limit is a constant, the largest page: a generic plan takes `LIMIT $3` for a tenth
    of the rows it expects in the range, and for that many a bitmap scan of the whole range and
    a sort looked cheaper than reading the index in order (docs/performance.md). The outer
    `LIMIT` still stops the scan after the rows asked for.
    """
    members = members_sql.format(room=f"{mark}1")
    pair = f'(m."{room_key}", m.id)'
    above = f"{pair} > ({mark}1, {mark}4)" if bound == "after" else f"{pair} > ({mark}1, 0)"
    below = (
        f"{pair} < ({mark}1, {mark}4)" if bound == "before" else f"{pair} <= ({mark}1, {LAST_ID})"
    )
    rows, order = f"{above} AND {below}", "ASC" if bound == "after" else "DESC"
    return (
        "SELECT p.id, p.room_id, p.author_id,"
        f' (SELECT u.username FROM "{users_table}" u WHERE u.id = p.author_id) AS author_name,'
        " p.content, p.client_id, p.created_at, p.edited_at, p.deleted_at FROM ("
        f'  SELECT m.id, m."{room_key}" AS room_id, m.author_id, m.content, m.client_id,'
        "  m.created_at, m.edited_at, m.deleted_at"
        f'  FROM "{table}" m WHERE {rows}'
        f"  AND EXISTS (SELECT 1 FROM ({members}) AS member WHERE member.user_id = {mark}2)"
        f'  ORDER BY m."{room_key}" {order}, m.id {order} LIMIT {MAX_PAGE + 1}'
        f") AS p ORDER BY p.room_id {order}, p.id {order} LIMIT {mark}3"
    )


class MessageStore:
    """Messages of one kind of room.

    `room_type` names the room's foreign key on `model` and the events (`group.message.create`).
    `members_sql` selects the `user_id` of the members of the room `{room}`: a send checks
    membership and finds its recipients in the same statement as its insert. `missing_room`
    is the error a non-member gets, the same as for a room that does not exist.
    """

    def __init__(
        self,
        app: Sanic,
        model: type[Message],
        room_type: str,
        out: type[MessageOut],
        members_sql: str,
        missing_room: Callable[[], ChatError],
    ):
        self._app = app
        self.model = model
        self.room_type = room_type
        self._room_key = f"{room_type}_id"
        self._out = out
        self._members_sql = members_sql
        self._missing_room = missing_room
        self._send_statement: str | None = None  # see `_send_sql`
        self._sends: Batcher[Stamped, Inserted] = Batcher(self._insert_batch)
        self._authors = AuthorCache(model)
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
                self._room_key: room_id,
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
        room_table = self.model._meta.fields_map[self.room_type].related_model._meta.db_table
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
                    self.room_type,
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
        message = await self.get(room_id, message_id)
        if message.author_id != user_id:
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
        moderator_id: UUID | None,
        recipients: frozenset[UUID],
    ) -> dict[str, Any]:
        """Replace a message by its tombstone. The author may, and so may `moderator_id`."""
        message = await self.get(room_id, message_id)
        if user_id not in (message.author_id, moderator_id):
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
            room = await getattr(message, self.room_type)
            await await_all(hook(message=message, room=room))
        except Exception:
            log.exception("a chat_message_stored hook failed")

    def _event(
        self, action: str, view: dict[str, Any], recipients: frozenset[UUID], cursor: int
    ) -> Event:
        return Event(f"{self.room_type}.message.{action}", view, recipients, cursor=cursor)

    async def _publish(
        self, action: str, view: dict[str, Any], recipients: frozenset[UUID], cursor: int
    ) -> dict[str, Any]:
        """Publish the change; return the message as clients see it (serialised once)."""
        await self._app.ctx.events.publish(self._event(action, view, recipients, cursor))
        return view


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
