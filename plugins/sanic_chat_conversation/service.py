"""Conversation rules: exactly two distinct users, and only they see it.

A non-participant gets 404 for everything about a conversation (its existence is not
revealed). Events go to both participants after each change commits.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic import Sanic
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from sanic_chat import NotFound, ValidationFailed
from sanic_chat.plugin import Event, newest_activity_first, user_gone
from sanic_chat_user.models import User
from sanic_chat_user.schemas import PublicUser

from .models import Conversation
from .schemas import ConversationOut


class ConversationService:
    def __init__(self, app: Sanic) -> None:
        self._events = app.ctx.events
        self._room = app.ctx.rooms["conversation"]
        self.messages = self._room.messages

    async def open(
        self, user_id: UUID, other_id: UUID, first_message: str | None
    ) -> tuple[dict[str, Any], bool]:
        """The conversation of the pair, created if new; and whether it was created."""
        if other_id == user_id:
            raise ValidationFailed(
                "You cannot start a conversation with yourself.",
                code="self_conversation",
                errors=[{"field": "body.recipientId", "message": "is you"}],
            )
        if not await User.exists(id=other_id):
            raise NotFound("No such user.", code="user_not_found")
        user_a, user_b = sorted((user_id, other_id), key=str)
        created = False
        conversation = await Conversation.get_or_none(user_a_id=user_a, user_b_id=user_b)
        if conversation is None:
            try:
                conversation = await Conversation.create(user_a_id=user_a, user_b_id=user_b)
                created = True
            except IntegrityError:
                # Created concurrently (the unique pair index decided), or one of the two users
                # was deleted: the token's (still valid) or the recipient.
                conversation = await Conversation.get_or_none(user_a_id=user_a, user_b_id=user_b)
                if conversation is None:
                    if not await User.exists(id=user_id):
                        raise user_gone() from None
                    raise NotFound("No such user.", code="user_not_found") from None
        if created:
            both = frozenset((user_a, user_b))
            for viewer in both:
                view = await self._view(conversation, viewer)
                await self._events.publish(Event("conversation.create", view, frozenset({viewer})))
        if first_message is not None:
            await self.messages.send(conversation.id, user_id, first_message, None)
        return await self._view(conversation, user_id), created

    async def list_for(self, user_id: UUID) -> list[dict[str, Any]]:
        conversations = await Conversation.filter(Q(user_a_id=user_id) | Q(user_b_id=user_id))
        if not conversations:
            return []
        latest = await self.messages.history.latest([c.id for c in conversations], user_id)
        users = await _users({c.other(user_id) for c in conversations} | {user_id})
        views = [self._render(c, user_id, users, latest.get(c.id)) for c in conversations]
        newest_activity_first(views)
        return await self._room.add_summary_fields(user_id, views)

    async def get(self, conversation_id: UUID, user_id: UUID) -> dict[str, Any]:
        return await self._view(await self._of_participant(conversation_id, user_id), user_id)

    # ---- helpers

    async def _of_participant(self, conversation_id: UUID, user_id: UUID) -> Conversation:
        conversation = await Conversation.filter(
            Q(user_a_id=user_id) | Q(user_b_id=user_id), id=conversation_id
        ).first()
        if conversation is None:
            raise missing_conversation()
        return conversation

    async def _view(self, conversation: Conversation, viewer: UUID) -> dict[str, Any]:
        users = await _users(set(_pair(conversation)))
        latest = await self.messages.history.latest([conversation.id], viewer)
        return self._render(conversation, viewer, users, latest.get(conversation.id))

    def _render(self, conversation, viewer, users, last) -> dict[str, Any]:
        """`last` is the view of its newest message (None before the first)."""
        summary = ConversationOut(
            id=conversation.id,
            users=[users[conversation.user_a_id], users[conversation.user_b_id]],
            recipient=users[conversation.other(viewer)],
            created_at=conversation.created_at,
            last_activity_at=last["createdAt"] if last else conversation.created_at,
        ).dump()
        # Already as clients see it, the plugins' fields included: not validated again.
        summary["lastMessage"] = last
        return summary


def _pair(conversation: Conversation) -> frozenset[UUID]:
    return frozenset((conversation.user_a_id, conversation.user_b_id))


async def _users(ids: set[UUID]) -> dict[UUID, PublicUser]:
    return {u.id: PublicUser.model_validate(u) for u in await User.filter(id__in=list(ids))}


def missing_conversation() -> NotFound:
    # What a non-participant gets too: a conversation is for its two participants to know.
    return NotFound("No such conversation.", code="conversation_not_found")
