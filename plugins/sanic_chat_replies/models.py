from tortoise import fields
from tortoise.models import Model


class MessageReplies(Model):
    """A message's place in threads: the message it answers, and its own live replies.

    One row per message that is a reply or has had one, whatever its kind of room: message ids
    are one sequence across kinds. Not a foreign key: each kind keeps its messages in a table
    of its own.
    """

    message_id = fields.BigIntField(primary_key=True, generated=False)
    reply_to_id = fields.BigIntField(null=True, description="The message this one answers.")
    reply_count = fields.IntField(default=0, description="Its replies not deleted.")
    counted = fields.BooleanField(
        default=False, description="In its parent's reply_count: a reply not deleted."
    )

    class Meta:
        table = "message_replies"
        # A thread's pages: a parent's replies in id order.
        indexes = (("reply_to_id", "message_id"),)
