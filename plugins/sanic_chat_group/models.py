from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from sanic_chat.plugin import Message


class Group(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    title = fields.CharField(max_length=100)
    owner = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)
    member_count = fields.IntField(
        default=0, description="Its members: kept by triggers on group_members (`counts.py`)."
    )

    class Meta:
        table = "groups"


class GroupMember(Model):
    """Membership; its unique (group, user) index also answers "is X a member of G"."""

    id = fields.BigIntField(primary_key=True)
    group = fields.ForeignKeyField("group.Group", related_name="members", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "group_members"
        unique_together = (("group", "user"),)
        indexes = (("user",),)


class GroupMessage(Message):
    group = fields.ForeignKeyField("group.Group", related_name=False, on_delete=fields.CASCADE)

    class Meta:
        table = "group_messages"
        unique_together = (("author", "client_id"),)
        indexes = (("group", "id"),)
