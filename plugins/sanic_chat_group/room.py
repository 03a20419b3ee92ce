"""Groups as a kind of room: members in `group_members`; the owner may delete any message."""

from __future__ import annotations

from sanic_chat.plugin import Members, RoomKind

from .models import GroupMember, GroupMessage
from .routes import add_group_routes
from .schemas import GroupSummary
from .service import author_or_owner, missing_group

MEMBERS = Members(GroupMember, room="group_id")

GROUP = RoomKind(
    name="group",
    message_model=GroupMessage,
    members=MEMBERS,
    missing_room=missing_group,
    may_delete=author_or_owner,
    routes=add_group_routes,
    delete_summary="Delete a message (author or owner)",
    summary_schema=GroupSummary,
)
