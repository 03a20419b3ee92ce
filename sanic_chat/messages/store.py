"""Changes to the messages of one kind of room: sends (batched), edits and tombstones.

The statements are in `statements`, the order of changes in `ordering`; this is where they meet
the ORM, the events and the plugins' hooks. Reading is `history`'s, membership `membership`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError

from .. import metrics
from ..awaitables import await_all, await_me_maybe
from ..batches import Batcher
from ..errors import Conflict, Forbidden
from ..events import Event
from ..jsoncodec import dumps
from ..storage import dialect_of
from ..transactions import transaction
from .caches import AuthorCache
from .fields import MessageFields, ViewFiller
from .history import MessageHistory
from .membership import RoomMembership
from .model import Message, MessageDraft
from .ordering import message_models, next_position
from .payloads import kind_payloads
from .statements import send_statement
from .stored import StoredFacts, amended_by_after
from .views import MessageViews

if TYPE_CHECKING:
    from ..rooms.kind import RoomKind

log = logging.getLogger("sanic_chat.messages")

# A draft with the time it was sent and the send fields it is stored with (`sent_fields`); what
# storing it gave: its position (None when its clientId was already stored) and its room's
# members.
Stamped = tuple[MessageDraft, datetime, dict[str, Any]]
Inserted = tuple[int | None, frozenset[UUID]]
# A change to rows that belong to a message (a plugin's), made inside the message's change:
# `(connection) -> whether it changed anything`.
Amendment = Callable[[BaseDBAsyncClient], Awaitable[bool]]


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
        fields = getattr(app.ctx, "message_fields", None) or MessageFields()
        self.payloads = kind_payloads(kind.schema_prefix, kind.id_field, fields)
        self._send_defaults = fields.send_defaults()
        self.views = MessageViews(kind.room_column, kind.id_field, self.payloads.out)
        self.filler = ViewFiller(app, kind)
        self._members_sql = kind.members.sql()
        self._missing_room = kind.missing_room
        self.membership = RoomMembership(self.model, self._members_sql, kind.missing_room)
        self.history = MessageHistory(kind, self.views, self.membership, self.filler)
        self._send_statement: str | None = None  # see `_send_sql`
        self._sends: Batcher[Stamped, Inserted] = Batcher(
            self._insert_batch, waited=metrics.order_wait_seconds.observe
        )
        self._authors = AuthorCache(self.model)
        app.ctx.changes.register(self.history)

    def serialise(self, message: Message) -> dict[str, Any]:
        """The view of `message` without the plugins' fields filled (see `serialise_many`)."""
        return self.views.of_message(message)

    async def serialise_many(
        self, messages: Iterable[Message], viewer_id: UUID | None
    ) -> list[dict[str, Any]]:
        """The views of `messages` for `viewer_id`, the plugins' fields filled in one batch."""
        messages = list(messages)
        views = [self.serialise(m) for m in messages]
        return await self.filler.fill(views, viewer_id, stored=StoredFacts.of_messages(messages))

    async def _view_after_change(self, message: Message) -> dict[str, Any]:
        """The view every member is sent of a change just committed to `message`."""
        (view,) = await self.filler.fill_after_change(
            [self.serialise(message)], stored=StoredFacts.of_messages([message])
        )
        return view

    async def send(
        self,
        room_id: UUID,
        author_id: UUID,
        content: str,
        client_id: UUID | None,
        extra: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Store a message from a member of the room (or find the one this `client_id`
        already stored) and publish it to the room's members.

        `extra` holds values of the plugins' send fields, for `draft.extra` (where the fields
        left out hold their defaults). Returns the
        message as clients see it and whether it is new. The unique (author, client_id)
        constraint decides retries, so two racing retries store one message.
        """
        draft = MessageDraft(
            author_id,
            self.room_type,
            room_id,
            content,
            client_id,
            {**self._send_defaults, **(extra or {})},
        )
        hooks = self._app.ctx.plugins.hook
        before_stored = hooks.chat_before_message_stored
        # Only a draft that uses a plugin's send field has field values to check.
        check_fields = hooks.chat_check_send_fields if draft.extra != self._send_defaults else None
        checks = check_fields is not None and bool(check_fields.get_hookimpls())
        if checks or before_stored.get_hookimpls():
            # Plugins see drafts from members only: that costs a query of its own first.
            await self.membership.including(room_id, author_id)
            if checks:
                await await_all(check_fields(draft=draft, app=self._app))
            await await_all(before_stored(draft=draft, app=self._app))
        # Named before storing: once stored, nothing should await between the batch's answer and
        # the event, so a worker publishes the sends of one batch in their cursors' order.
        author = await self._authors.get(author_id)
        if author is None:  # a valid token of a user who is gone: a member of nothing
            raise self._missing_room()
        connection = self.model._meta.db
        # After the plugins' hooks, which may change the draft's values.
        stamped = (draft, _now(), draft.sent_fields(self._send_defaults))
        if not dialect_of(connection).batches_sends:
            inserted = await self._insert_in_transaction(stamped)
        elif isinstance(connection, TransactionalDBClient):
            # Inside a caller's transaction: its lock and its commit are the caller's.
            (inserted,) = await self._insert_batch([stamped], connection)
        else:
            inserted = await self._sends.submit(stamped)
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
            return (await self.serialise_many([existing], author_id))[0], False
        _, created_at, sent_fields = stamped
        if self._app.ctx.plugins.hook.chat_message_stored.get_hookimpls():
            message = self._instance(position, stamped)
            message.author = author
            await self._notify_stored(message, draft)
        # The draft's content: a `chat_before_message_stored` plugin may have rewritten it.
        view = self.views.of_parts(
            position,
            room_id,
            author.id,
            author.username,
            draft.content,
            draft.client_id,
            created_at,
        )
        # New: a plugin knows it has nothing of its own yet, and gets the draft's values.
        stored = StoredFacts.new(position, sent_fields)
        await self.filler.fill_after_change([view], draft, stored)
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
            [draft.room_id for draft, _, _ in drafts],
            [draft.author_id for draft, _, _ in drafts],
            [draft.content for draft, _, _ in drafts],
            [draft.client_id for draft, _, _ in drafts],
            [created_at for _, created_at, _ in drafts],
            [dumps(sent_fields) for _, _, sent_fields in drafts],
        ]
        try:
            # execute_query would drop the RETURNING rows of an INSERT; this fetches them.
            with metrics.timed_statement("message_send"):
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
        for (draft, _, _), row in zip(drafts, rows, strict=True):
            members = self.membership.sets.get(row["members"])
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

    async def _insert_in_transaction(self, stamped: Stamped) -> Inserted:
        """SQLite: one writer at a time anyway, so a transaction of several statements."""
        draft = stamped[0]
        try:
            async with transaction() as connection:
                members = await self.membership.including(
                    draft.room_id, draft.author_id, connection
                )
                if await self._client_id_used_elsewhere(draft, connection):
                    raise _client_id_reused()
                position = await next_position(connection)
                message = self._instance(position, stamped)
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

    def _instance(self, position: int, stamped: Stamped) -> Message:
        draft, created_at, sent_fields = stamped
        return self.model(
            id=position,
            seq=position,
            author_id=draft.author_id,
            content=draft.content,
            client_id=draft.client_id,
            created_at=created_at,
            sent_fields=sent_fields,
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
        message = await self.history.get(room_id, message_id)
        if not await await_me_maybe(self.kind.may_edit(message, user_id)):
            raise Forbidden("Only the author can edit a message.", code="not_author")
        if message.deleted_at is not None or not await self._change(
            message, content=content, edited_at=_now()
        ):
            raise Conflict("A deleted message cannot be edited.", code="message_deleted")
        view = await self._view_after_change(message)
        return await self._publish("edit", view, recipients, message.seq)

    async def amend(
        self, room_id: UUID, message_id: int, amendment: Amendment, *, by: str
    ) -> tuple[Message, bool]:
        """Change rows that belong to a message (a plugin's: its reactions, ...) as a change of
        the message itself, so that it takes the next cursor: resume and the cursor stream then
        see it as they see an edit.

        `amendment(connection)` runs inside the change's transaction, with the message's row
        locked (amendments of one message happen one after the other) and known not to be
        deleted; it says whether it changed anything. When it did, the message's `seq` is the
        new cursor; when it did not, no cursor is taken and nothing else changes. Returns the
        message and whether it changed. The caller checks membership first and publishes its
        own event with `message.seq`. A message not in the room is a 404, a tombstone a 409.
        `by` names the plugin: the message's `amended_by` records it, and
        `chat_fill_message_views` passes it on, so other plugins need not ask about it.
        """
        message = await self.history.get(room_id, message_id)
        if message.deleted_at is not None:
            raise _deleted("A deleted message cannot be changed.")
        changed = await self._change(message, alongside=amendment, by=by)
        if changed is False:
            raise _deleted("A deleted message cannot be changed.")
        return message, changed is True

    async def delete(
        self,
        room_id: UUID,
        message_id: int,
        user_id: UUID,
        recipients: frozenset[UUID],
    ) -> dict[str, Any]:
        """Replace a message by its tombstone, if the kind's `may_delete` lets `user_id`."""
        message = await self.history.get(room_id, message_id)
        if not await await_me_maybe(self.kind.may_delete(message, user_id)):
            raise Forbidden("Only the author can delete this message.", code="not_author")
        if message.deleted_at is not None:  # already a tombstone: nothing changes
            return (await self.serialise_many([message], user_id))[0]
        if not await self._change(message, content=None, deleted_at=_now()):
            # Deleted by someone else since it was read: the tombstone they left.
            tombstone = await self.history.get(room_id, message_id)
            return (await self.serialise_many([tombstone], user_id))[0]
        view = await self._view_after_change(message)
        return await self._publish("delete", view, recipients, message.seq)

    async def republish(self, room_id: UUID, message_id: int, *, by: str) -> dict[str, Any] | None:
        """Publish a message again, unchanged, as an `edit` at a new cursor: for a plugin whose
        view fields of it changed (a reply count), so that live clients get the new values and
        a resuming client is replayed them. `editedAt` stays as it is. `by` names the plugin,
        as for `amend`.

        Returns the view published; None, publishing nothing, when the message is a tombstone
        (deleted since it was read included). `NotFound` when the room has no such message.
        """
        message = await self.history.get(room_id, message_id)
        if message.deleted_at is not None or not await self._change(message, by=by):
            return None
        members = await self.membership.members(room_id)
        view = await self._view_after_change(message)
        return await self._publish("edit", view, members, message.seq)

    async def _change(
        self,
        message: Message,
        alongside: Amendment | None = None,
        by: str | None = None,
        **changes: Any,
    ) -> bool | None:
        """Apply `changes` to `message` as the next change in the order; False, changing
        nothing, when it was deleted since it was read. `alongside` (see `amend`) runs in the
        same transaction first; None, changing nothing either, when it changed nothing. `by`:
        the plugin amending or republishing it, added to its `amended_by`.

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
                .only("id", "seq", "amended_by")
                .using_db(connection)
                .first()
            )
            if live is None:
                return False
            if alongside is not None and not await alongside(connection):
                return None
            changes["amended_by"] = amended_by_after(live.id, live.seq, live.amended_by, by)
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

    async def _notify_stored(self, message: Message, draft: MessageDraft) -> None:
        """Tell the `chat_message_stored` plugins (the caller checks that there are some)."""
        hook = self._app.ctx.plugins.hook.chat_message_stored
        try:
            # Reading the room is a query: only when an implementation asks for it.
            wanted = any("room" in impl.argnames for impl in hook.get_hookimpls())
            room = await getattr(message, self.kind.room_field) if wanted else None
            await await_all(hook(message=message, room=room, draft=draft, app=self._app))
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


def _deleted(detail: str) -> Conflict:
    return Conflict(detail, code="message_deleted")


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
