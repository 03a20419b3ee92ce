"""Group rules: membership, ownership and who may do what. The only writer of group models.

Non-members get 404 for everything about a group (its existence is not revealed); members who
lack a right get 403. Events are published after each change commits, to every member (and to
the user a removal or departure concerns).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sanic import Sanic
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from sanic_chat import Conflict, Forbidden, NotFound, ValidationFailed, transaction
from sanic_chat.plugin import Event, Message, newest_activity_first, user_gone
from sanic_chat_user.models import User
from sanic_chat_user.schemas import PublicUser

from .models import Group, GroupMember
from .schemas import GroupDetail, GroupSummary, MembershipChange


class GroupService:
    def __init__(self, app: Sanic) -> None:
        self._events = app.ctx.events
        self._room = app.ctx.rooms["group"]
        self.messages = self._room.messages

    # ---- groups

    async def create(
        self, owner_id: UUID, title: str, member_ids: list[UUID], first_message: str | None
    ) -> dict[str, Any]:
        others = list(dict.fromkeys(m for m in member_ids if m != owner_id))
        await _require_users(others, "users")
        try:
            async with transaction() as connection:
                group = await Group.create(title=title, owner_id=owner_id, using_db=connection)
                await GroupMember.bulk_create(
                    [GroupMember(group_id=group.id, user_id=u) for u in [owner_id, *others]],
                    using_db=connection,
                )
                detail = await self._detail(group.id, connection)
        except IntegrityError:
            # A user was deleted since the token was issued or the members were checked.
            if not await User.exists(id=owner_id):
                raise user_gone() from None
            await _require_users(others, "users")
            raise
        members = _ids(detail)
        await self._events.publish(Event("group.create", detail, members))
        if first_message is not None:
            await self.messages.send(group.id, owner_id, first_message, None)
        return detail

    async def list_for(self, user_id: UUID) -> list[dict[str, Any]]:
        """The user's groups, newest activity first, each with its last message.

        Plain rows rather than model instances: the list is read whenever a client starts,
        and may hold hundreds of groups. Member counts are the groups' own counters
        (`counts.py`): nothing here counts memberships.
        """
        groups = await Group.filter(members__user_id=user_id).values(
            "id", "title", "owner_id", "created_at", "member_count"
        )
        if not groups:
            return []
        ids = [group["id"] for group in groups]
        latest = await self.messages.history.latest(ids, user_id)
        summaries = []
        for group in groups:
            last = latest.get(group["id"])
            summary = GroupSummary(
                id=group["id"],
                title=group["title"],
                owner_id=group["owner_id"],
                member_count=group["member_count"],
                created_at=group["created_at"],
                last_activity_at=last["createdAt"] if last else group["created_at"],
            ).dump()
            # Already as clients see it, the plugins' fields included: not validated again.
            summary["lastMessage"] = last
            summaries.append(summary)
        newest_activity_first(summaries)
        return await self._room.add_summary_fields(user_id, summaries)

    async def get(self, group_id: UUID, user_id: UUID) -> dict[str, Any]:
        detail = await self._detail(group_id)
        if detail is None or user_id not in _ids(detail):
            raise missing_group()
        return detail

    # Changes to a group take its row lock first (`_lock`), so they happen one after the other
    # and each checks who is a member and who owns the group as they are now: a transfer to a
    # member who is leaving, or an add while the last member leaves, waits for the other and
    # then finds it done. Whatever is published is read inside the same transaction.

    async def rename(self, group_id: UUID, user_id: UUID, title: str) -> dict[str, Any]:
        async with transaction() as connection:
            await self._lock(connection, group_id, user_id, owner=True)
            await Group.filter(id=group_id).using_db(connection).update(title=title)
            detail = await self._detail(group_id, connection)
        await self._events.publish(Event("group.update", detail, _ids(detail)))
        return detail

    async def transfer(self, group_id: UUID, user_id: UUID, new_owner_id: UUID) -> dict[str, Any]:
        async with transaction() as connection:
            await self._lock(connection, group_id, user_id, owner=True)
            if not await _is_member(group_id, new_owner_id, connection):
                raise ValidationFailed(
                    "The new owner must be a member of the group.",
                    code="not_a_member",
                    errors=[{"field": "body.newOwnerId", "message": "not a member of this group"}],
                )
            await Group.filter(id=group_id).using_db(connection).update(owner_id=new_owner_id)
            detail = await self._detail(group_id, connection)
        await self._events.publish(Event("group.owner.update", detail, _ids(detail)))
        return detail

    async def leave(self, group_id: UUID, user_id: UUID) -> dict[str, Any]:
        """Leave; the owner must hand over first, unless they are the last member."""
        async with transaction() as connection:
            group = await self._lock(connection, group_id, user_id)
            remaining = (
                await GroupMember.filter(group_id=group_id)
                .exclude(user_id=user_id)
                .using_db(connection)
                .values_list("user_id", flat=True)
            )
            if group.owner_id == user_id and remaining:
                raise Conflict(
                    "Transfer ownership to another member before leaving.",
                    code="owner_must_transfer",
                )
            await (
                GroupMember.filter(group_id=group_id, user_id=user_id).using_db(connection).delete()
            )
            if remaining:
                detail = await self._detail(group_id, connection)
            else:
                await Group.filter(id=group_id).using_db(connection).delete()
                detail = None
            change = await _membership_change(group_id, detail, user_id, connection)
        await self._events.publish(
            Event("group.user.leave", change, frozenset(remaining) | {user_id})
        )
        return change

    async def add_member(self, group_id: UUID, user_id: UUID, new_id: UUID) -> dict[str, Any]:
        async with transaction() as connection:
            await self._lock(connection, group_id, user_id, owner=True)
            await _require_users([new_id], "recipientId", connection)
            if await _is_member(group_id, new_id, connection):
                raise Conflict("That user is already a member.", code="already_member")
            await GroupMember.create(group_id=group_id, user_id=new_id, using_db=connection)
            detail = await self._detail(group_id, connection)
            change = await _membership_change(group_id, detail, new_id, connection)
        await self._events.publish(Event("group.user.add", change, _ids(detail)))
        return change

    async def remove_member(self, group_id: UUID, user_id: UUID, member_id: UUID) -> dict[str, Any]:
        async with transaction() as connection:
            await self._lock(connection, group_id, user_id, owner=True)
            if member_id == user_id:
                raise Conflict("The owner leaves through /leave.", code="owner_cannot_be_removed")
            removed = (
                await GroupMember.filter(group_id=group_id, user_id=member_id)
                .using_db(connection)
                .delete()
            )
            if not removed:
                raise NotFound("That user is not a member.", code="member_not_found")
            detail = await self._detail(group_id, connection)
            change = await _membership_change(group_id, detail, member_id, connection)
        await self._events.publish(Event("group.user.remove", change, _ids(detail) | {member_id}))
        return change

    # ---- helpers

    async def _detail(
        self, group_id: UUID, connection: BaseDBAsyncClient | None = None
    ) -> dict[str, Any] | None:
        """The group as its members see it; None when there is no such group.

        One statement reads the group with its members, so the owner it names is one of them
        even while a transfer and a departure commit around it.
        """
        memberships = (
            await GroupMember.filter(group_id=group_id)
            .using_db(connection)
            .select_related("group", "user")
        )
        if not memberships:  # a group always has a member: the last to leave deletes it
            return None
        group = memberships[0].group
        users = sorted((m.user for m in memberships), key=lambda u: u.username)
        owner = next(u for u in users if u.id == group.owner_id)
        return GroupDetail(
            id=group.id,
            title=group.title,
            owner=PublicUser.model_validate(owner),
            users=[PublicUser.model_validate(u) for u in users],
            created_at=group.created_at,
        ).dump()

    async def _lock(
        self, connection: BaseDBAsyncClient, group_id: UUID, user_id: UUID, owner: bool = False
    ) -> Group:
        """Lock the group's row until `connection`'s transaction ends, then check that `user_id`
        is a member (and, with `owner`, its owner) as of now.

        FOR NO KEY UPDATE: it keeps other group changes out but not message sends, whose
        foreign key needs only a key-share lock on the row.
        """
        group = (
            await Group.filter(id=group_id)
            .using_db(connection)
            .select_for_update(no_key=True)
            .first()
        )
        if group is None or not await _is_member(group_id, user_id, connection):
            raise missing_group()
        if owner and group.owner_id != user_id:
            raise Forbidden("Only the group's owner can do this.", code="not_owner")
        return group


async def _is_member(
    group_id: UUID, user_id: UUID, connection: BaseDBAsyncClient | None = None
) -> bool:
    return (
        await GroupMember.filter(group_id=group_id, user_id=user_id).using_db(connection).exists()
    )


async def _require_users(
    user_ids: list[UUID], field: str, connection: BaseDBAsyncClient | None = None
) -> None:
    if not user_ids:
        return
    found = set(
        await User.filter(id__in=user_ids).using_db(connection).values_list("id", flat=True)
    )
    missing = [u for u in user_ids if u not in found]
    if missing:
        raise ValidationFailed(
            "Some users do not exist.",
            code="unknown_users",
            errors=[{"field": f"body.{field}", "message": f"no user {u}"} for u in missing],
        )


async def _membership_change(
    group_id: UUID,
    detail: dict[str, Any] | None,
    user_id: UUID,
    connection: BaseDBAsyncClient,
) -> dict[str, Any]:
    user = await User.get(id=user_id, using_db=connection)
    return MembershipChange(
        group=detail, group_id=group_id, user=PublicUser.model_validate(user)
    ).dump()


def _ids(detail: dict[str, Any]) -> frozenset[UUID]:
    return frozenset(UUID(u["id"]) for u in detail["users"])


async def author_or_owner(message: Message, user_id: UUID) -> bool:
    """Who may delete a group's message: its author, or the group's owner."""
    if message.author_id == user_id:
        return True
    return await Group.exists(id=message.group_id, owner_id=user_id)


def missing_group() -> NotFound:
    # What a non-member gets too: whether a group exists is for its members to know.
    return NotFound("No such group.", code="group_not_found")
