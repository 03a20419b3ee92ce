"""Group payloads: request bodies, responses and WebSocket event data share these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from sanic_chat.plugin import NOT_BLANK, CamelModel, MessageContent, at_most, message_out
from sanic_chat_user.schemas import PublicUser

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    at_most(100),
    Field(description="1-100 characters.", json_schema_extra={"pattern": NOT_BLANK}),
]
MAX_INITIAL_MEMBERS = 500


GroupMessageOut = message_out("Group", "group_id")


class CreateGroup(CamelModel):
    title: Title
    users: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_INITIAL_MEMBERS,
        description="Initial members besides the creator.",
    )
    message: MessageContent | None = Field(None, description="An optional first message.")


class EditGroup(CamelModel):
    title: Title


class TransferOwnership(CamelModel):
    new_owner_id: UUID


class Recipient(CamelModel):
    recipient_id: UUID


class GroupSummary(CamelModel):
    """A group in the caller's list."""

    id: UUID
    title: str
    owner_id: UUID
    member_count: int
    created_at: datetime
    last_activity_at: datetime = Field(description="Newest message, else creation.")
    last_message: GroupMessageOut | None = None


class GroupList(CamelModel):
    groups: list[GroupSummary] = Field(description="Newest activity first.")


class GroupDetail(CamelModel):
    id: UUID
    title: str
    owner: PublicUser
    users: list[PublicUser] = Field(description="Every member, the owner included.")
    created_at: datetime


class MembershipChange(CamelModel):
    """Data of `group.user.add`, `group.user.remove`, `group.user.leave`."""

    group: GroupDetail | None = Field(description="Null when the last member left.")
    group_id: UUID
    user: PublicUser
