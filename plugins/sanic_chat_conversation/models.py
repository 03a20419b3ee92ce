from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from sanic_chat.plugin import Message


class Conversation(Model):
    """A 1:1 conversation. The pair is stored in canonical order (smaller id first), so its
    unique index makes "create the existing one returns it" safe under concurrency."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    user_a = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    user_b = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversations"
        unique_together = (("user_a", "user_b"),)
        indexes = (("user_b",),)

    def other(self, user_id):
        return self.user_b_id if self.user_a_id == user_id else self.user_a_id


class ConversationMessage(Message):
    conversation = fields.ForeignKeyField(
        "conversation.Conversation", related_name=False, on_delete=fields.CASCADE
    )

    class Meta:
        table = "conversation_messages"
        unique_together = (("author", "client_id"),)
        indexes = (("conversation", "id"),)
