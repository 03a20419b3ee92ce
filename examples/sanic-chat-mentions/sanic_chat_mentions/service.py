"""Who was mentioned, and marking mentions read. The only writer of `Mention`."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from uuid import UUID

from sanic import Sanic

from sanic_chat import Event, NotFound

from .models import Mention
from .schemas import MentionOut

# Usernames are 3-32 of a-z, 0-9 and _ (stored lower-cased).
MENTION = re.compile(r"@([A-Za-z0-9_]{3,32})")
NEW_MESSAGE = re.compile(r"^(\w+)\.message\.create$")


async def record_mentions(app: Sanic, event: Event) -> None:
    """Store and announce the mentions in a new message, for members of its room only: a
    name outside the room learns nothing."""
    kind = NEW_MESSAGE.match(event.name)
    names = {name.lower() for name in MENTION.findall(event.data.get("content") or "")}
    if kind is None or not names:
        return
    from sanic_chat_user.models import User

    author_id = UUID(str(event.data["author"]["id"]))
    mentioned = await User.filter(
        username__in=names, id__in=[user for user in event.recipients if user != author_id]
    ).values_list("id", flat=True)
    for user_id in mentioned:
        mention = await Mention.create(
            user_id=user_id,
            author_id=author_id,
            room_kind=kind.group(1),
            message_id=event.data["id"],
        )
        await app.ctx.events.publish(
            Event("mention.create", serialise(mention), frozenset({user_id}))
        )


async def mentions_of(user_id: UUID) -> list[dict]:
    return [serialise(m) for m in await Mention.filter(user_id=user_id).order_by("-id")]


async def mark_read(user_id: UUID, mention_id: int) -> dict:
    mention = await Mention.get_or_none(id=mention_id, user_id=user_id)
    if mention is None:  # someone else's reads as missing: ids are not a secret to leak
        raise NotFound("No such mention")
    if mention.read_at is None:
        mention.read_at = datetime.now(timezone.utc)
        await mention.save(update_fields=["read_at"])
    return serialise(mention)


def serialise(mention: Mention) -> dict:
    return MentionOut(
        id=mention.id,
        author_id=mention.author_id,
        room_kind=mention.room_kind,
        message_id=mention.message_id,
        created_at=mention.created_at,
        read=mention.read_at is not None,
    ).dump()
