"""Read state: each room's message counter, its tombstones, and each reader's position.

A member's unread count in a room is worked out from three numbers, each kept as messages are
written (`counters`), never counted from the messages when it is read:

    unread = room.message_count - position.read_count - tombstones after position.last_read_id

and, for a member with no position there yet, `room.message_count - room.deleted_count`.
"""

from tortoise import fields
from tortoise.models import Model


class ReadRoom(Model):
    """How many messages a room has had since counting began, and how many are tombstones."""

    id = fields.BigIntField(primary_key=True)
    room_type = fields.CharField(max_length=64, description="The room kind's name.")
    room_id = fields.UUIDField()
    message_count = fields.BigIntField(description="Messages stored since counted_from.")
    deleted_count = fields.BigIntField(description="Of those, the ones deleted since.")
    counted_from = fields.BigIntField(description="The first message counted.")

    class Meta:
        table = "read_rooms"
        unique_together = (("room_type", "room_id"),)


class ReadTombstone(Model):
    """A counted message deleted since: taken off the counts of whoever had not read it."""

    id = fields.BigIntField(primary_key=True)
    room_type = fields.CharField(max_length=64)
    room_id = fields.UUIDField()
    message_id = fields.BigIntField()

    class Meta:
        table = "read_tombstones"
        # Also the index of "the tombstones of a room after a position".
        unique_together = (("room_type", "room_id", "message_id"),)


class ReadPosition(Model):
    """How far a member has read a room: a message, and how many counted messages are up to it.

    Written when the member marks the room read, and by each message they send (sending marks
    your own room read up to your message).
    """

    id = fields.BigIntField(primary_key=True)
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    room_type = fields.CharField(max_length=64)
    room_id = fields.UUIDField()
    last_read_id = fields.BigIntField(description="The newest message read.")
    read_count = fields.BigIntField(description="Counted messages up to last_read_id.")

    class Meta:
        table = "read_positions"
        # Also the index of "this user's positions" (the room lists and `ready`).
        unique_together = (("user", "room_type", "room_id"),)
