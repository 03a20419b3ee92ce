from tortoise import fields
from tortoise.models import Model


class ReadPosition(Model):
    """How far a member has read a room, and how many messages after that wait for them.

    Rows are written by the counters installed on every kind's message table (`counters`):
    a new message adds one to each other member's `unread_count` and moves its author's
    position to it; a tombstone takes one off again. A member's row appears with the first
    message they receive or send, or when they first mark the room read.
    """

    id = fields.BigIntField(primary_key=True)
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    room_type = fields.CharField(max_length=64, description="The room kind's name.")
    room_id = fields.UUIDField()
    last_read_id = fields.BigIntField(null=True, description="NULL: nothing read yet.")
    unread_count = fields.IntField(default=0)
    counted_from = fields.BigIntField(
        default=0, description="Messages before this id were never counted (row's start)."
    )

    class Meta:
        table = "read_positions"
        # Also the index of "this user's positions" (the room lists and `ready`).
        unique_together = (("user", "room_type", "room_id"),)
