"""Reply rules and reply counts. The only writer of `MessageReplies`.

A reply answers a message of its own room that is not deleted; a message of another room is
one that does not exist, as for the message routes. Each message
counts its replies not deleted, in its own row, changed by one atomic statement per reply
stored or deleted: no COUNT(*) anywhere. When a count changes, the message answered is
republished (`<kind>.message.edit` at a new cursor), so live and resuming clients see it.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from sanic import Sanic
from tortoise.expressions import F

from sanic_chat import Conflict, MessageDraft, NotFound, ValidationFailed, transaction
from sanic_chat.plugin import (
    Event,
    HistoryQuery,
    Message,
    RoomKind,
    author_model,
    dialect_of,
    may_be_amended_by,
)

from .models import MessageReplies
from .schemas import SNIPPET_CHARS

log = logging.getLogger("sanic_chat_replies")

COUNTED_CHANGES = (".message.create", ".message.delete")
# What this plugin's republishes are recorded as (a message's `amended_by`).
AMENDED_BY = "replies"


async def check_reply(app: Sanic, draft: MessageDraft) -> None:
    """Refuse a reply to a message that is not in the draft's room, or is deleted."""
    parent_id = draft.extra.get("reply_to")
    if parent_id is None:
        return
    kind = app.ctx.rooms[draft.room_type].kind
    parent = (
        await kind.message_model.filter(id=parent_id, **{kind.room_column: draft.room_id})
        .only("id", "deleted_at")
        .first()
    )
    if parent is None:
        # A 422, as for a body naming an unknown user: the room itself was found.
        raise ValidationFailed(
            "replyTo names no message of this room.",
            code="reply_target_not_found",
            errors=[{"field": "body.replyTo", "message": "no such message in this room"}],
        )
    if parent.deleted_at is not None:
        raise Conflict("A deleted message cannot be replied to.", code="message_deleted")


async def record_reply(message: Message, draft: MessageDraft) -> None:
    """Link a stored reply to the message it answers, and count it there.

    This runs after the reply's own commit, so a delete may already have come and gone
    (`forget_reply` found nothing to uncount). The reply's row is locked and read first: a
    delete either finished before, and the reply is linked uncounted, or waits for this
    transaction, and then finds the reply counted and uncounts it.
    """
    parent_id = draft.extra.get("reply_to")
    if parent_id is None:
        return
    async with transaction() as connection:
        reply = (
            await type(message)
            .filter(id=message.id)
            .select_for_update()
            .using_db(connection)
            .only("id", "deleted_at")
            .first()
        )
        if reply is None:  # its room was deleted meanwhile
            return
        counted = reply.deleted_at is None
        # Either row may exist already: the parent's if it is a reply or has had one.
        await MessageReplies.bulk_create(
            [MessageReplies(message_id=parent_id), MessageReplies(message_id=message.id)],
            ignore_conflicts=True,
            using_db=connection,
        )
        await (
            MessageReplies.filter(message_id=message.id)
            .using_db(connection)
            .update(reply_to_id=parent_id, counted=counted)
        )
        if counted:
            await (
                MessageReplies.filter(message_id=parent_id)
                .using_db(connection)
                .update(reply_count=F("reply_count") + 1)
            )


async def forget_reply(message_id: int) -> int | None:
    """Stop counting a deleted reply; the id of the message it answers, None when it was not a
    counted reply (or another delete got there first)."""
    async with transaction() as connection:
        # The condition decides between racing deletes: one of them updates the row.
        forgotten = (
            await MessageReplies.filter(message_id=message_id, counted=True)
            .using_db(connection)
            .update(counted=False)
        )
        if not forgotten:
            return None
        reply = (
            await MessageReplies.filter(message_id=message_id)
            .using_db(connection)
            .only("message_id", "reply_to_id")
            .first()
        )
        parent_id = reply.reply_to_id
        await (
            MessageReplies.filter(message_id=parent_id)
            .using_db(connection)
            .update(reply_count=F("reply_count") - 1)
        )
    return parent_id


async def on_event(app: Sanic, event: Event) -> None:
    """Republish the message a reply answers when the reply is created or deleted."""
    if not event.name.endswith(COUNTED_CHANGES):
        return
    prefix, action = event.name.rsplit(".message.", 1)
    room = next((room for room in app.ctx.rooms if room.kind.event_prefix == prefix), None)
    if room is None:
        return
    if action == "create":
        parent_id = (event.data.get("replyTo") or {}).get("id")
    else:
        parent_id = await forget_reply(event.data["id"])
    if parent_id is None:
        return
    try:
        await room.messages.republish(UUID(event.data[room.kind.id_key]), parent_id, by=AMENDED_BY)
    except NotFound:
        pass  # its room was deleted meanwhile: nobody is left to tell


async def fill_views(
    kind: RoomKind,
    views: list[dict[str, Any]],
    draft: MessageDraft | None,
    sent_fields: dict[int, dict[str, Any] | None],
    amended_by: dict[int, frozenset[str] | None],
) -> None:
    """Set `replyTo` and `replyCount` in a batch of views: one query, or none.

    Only two kinds of message have anything to show: a reply (its send fields say so) and a
    message that has had replies, which counting them republished (`amended_by`). A page of
    neither reads nothing, however its messages were edited or reacted to.
    """
    if draft is not None:  # a new message: no replies yet; what it answers is in the draft
        parent_id = draft.extra.get("reply_to")
        if parent_id is not None:
            views[0]["replyTo"] = await replied_to(kind, parent_id)
        return
    asked = [
        view for view in views if _may_have_thread(sent_fields[view["id"]], amended_by[view["id"]])
    ]
    if not asked:
        return
    threads = await _threads_of(kind, [view["id"] for view in asked])
    for view in asked:
        thread = threads.get(view["id"])
        if thread is not None:
            view["replyCount"], view["replyTo"] = thread


def _may_have_thread(sent: dict[str, Any] | None, amended_by: frozenset[str] | None) -> bool:
    """Whether a message may be a reply or have replies. None is not known: send fields not
    kept yet when it was stored, or a change made before republishes were recorded by name."""
    if sent is None or sent.get("reply_to") is not None:
        return True
    return may_be_amended_by(amended_by, AMENDED_BY)


async def _threads_of(
    kind: RoomKind, message_ids: list[int]
) -> dict[int, tuple[int, dict[str, Any] | None]]:
    """The reply count of each message that has a row, and what it answers (`replyTo`), in
    one statement: the message answered is of the same room, so in the same table, and its
    author's name is one primary-key lookup. Every history page asks, so the statement is
    written out rather than built by the ORM, whose query building cost more than the rest
    of a page's replies."""
    connection = MessageReplies._meta.db
    among, values = dialect_of(connection).any_of(1, message_ids, "bigint")
    messages = kind.message_model._meta
    users = author_model(kind.message_model)._meta.db_table
    statement = (
        "SELECT t.message_id, t.reply_count, t.reply_to_id, p.deleted_at,"
        f" substr(p.content, 1, {SNIPPET_CHARS}) AS snippet,"
        f' (SELECT u.username FROM "{users}" u WHERE u.id = p.author_id) AS author_name'
        f' FROM "{MessageReplies._meta.db_table}" t'
        f' LEFT JOIN "{messages.db_table}" p ON p.id = t.reply_to_id'
        f" WHERE t.message_id {among}"
    )
    _, rows = await connection.execute_query(statement, values)
    return {
        row["message_id"]: (
            row["reply_count"],
            _reply_to(row["reply_to_id"], row["author_name"], row["snippet"], row["deleted_at"]),
        )
        for row in rows
    }


def _reply_to(
    parent_id: int | None, author_name: str | None, snippet: str | None, deleted_at: Any
) -> dict[str, Any] | None:
    """`replyTo`: None when the message answers none, or its parent is gone with its room."""
    if parent_id is None or author_name is None:
        return None
    return {
        "id": parent_id,
        "authorName": author_name,
        "snippet": None if deleted_at is not None else snippet,
    }


async def replied_to(kind: RoomKind, message_id: int) -> dict[str, Any] | None:
    """`replyTo` of a new reply to `message_id`."""
    parent = await kind.message_model.filter(id=message_id).values(
        "author__username", "content", "deleted_at"
    )
    if not parent:
        return None
    (row,) = parent
    snippet = None if row["content"] is None else row["content"][:SNIPPET_CHARS]
    return _reply_to(message_id, row["author__username"], snippet, row["deleted_at"])


async def thread_page(
    room: Any, room_id: UUID, reader_id: UUID, parent_id: int, query: HistoryQuery
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the replies to a message, newest first, with the same cursors as history:
    `before` and `after` are reply ids, and the next page is `before` the returned cursor.

    Deleted replies keep their place as tombstones, as in history. The room is missing to a
    reader who is not a member, and the message to one who names another room's.
    """
    await room.members_if_member(room_id, reader_id)
    await room.messages.history.get(room_id, parent_id)
    replies = MessageReplies.filter(reply_to_id=parent_id)
    if query.after is not None:  # the `limit` replies right after `after`
        replies = replies.filter(message_id__gt=query.after).order_by("message_id")
        limit = query.limit
    else:  # one more than asked says whether an older page exists
        if query.before is not None:
            replies = replies.filter(message_id__lt=query.before)
        replies = replies.order_by("-message_id")
        limit = query.limit + 1
    ids = await replies.limit(limit).values_list("message_id", flat=True)
    more = query.after is None and len(ids) > query.limit
    ids = sorted(ids[: query.limit], reverse=True)
    # The page's ids first, then their messages: a join before the limit could read a thread.
    messages = await room.kind.message_model.filter(id__in=ids).select_related("author")
    by_id = {message.id: message for message in messages}
    ordered = [by_id[message_id] for message_id in ids if message_id in by_id]
    views = await room.messages.serialise_many(ordered, reader_id)
    return views, (ids[-1] if more else None)
