from tortoise import fields
from tortoise.models import Model


class Reaction(Model):
    """One user's reaction to one message with one emoji.

    `message_id` names a message of any kind of room: ids come from one order shared by every
    kind, so an id is enough, and no foreign key can point into every kind's table. A message
    is never removed but with its room; its reactions then stay behind, unseen.
    The unique (message, emoji, user) index makes adding twice one reaction, and serves the
    reactions of a page of messages (its leading column).
    """

    id = fields.BigIntField(primary_key=True)
    message_id = fields.BigIntField()
    emoji = fields.CharField(max_length=64)
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "message_reactions"
        unique_together = (("message_id", "emoji", "user"),)
        # A reader's own reactions among a page's messages (`me`), and the cascade when a user
        # is deleted.
        indexes = (("user", "message_id"),)


class ReactionSummary(Model):
    """A message's reactions as every member sees them: each emoji with its count, in order of
    first use, as `[[emoji, count], ...]`.

    Written with every change of the message's reactions, in its transaction and under the
    message's row lock, so it is always the reactions' own sum. A history page reads one row
    per message instead of summing every reaction of every message. A message reacted to
    before summaries were kept has no row: it is summed from its reactions then.
    """

    message_id = fields.BigIntField(primary_key=True, generated=False)
    counts = fields.JSONField(description="[[emoji, count], ...] in order of first use.")

    class Meta:
        table = "message_reaction_summaries"
