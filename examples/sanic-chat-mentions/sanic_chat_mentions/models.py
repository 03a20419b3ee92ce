from tortoise import fields
from tortoise.models import Model


class Mention(Model):
    """A message that named `user` as `@username`."""

    id = fields.BigIntField(primary_key=True)
    # Another plugin's model: "<plugin>.<Model>", with that plugin in `requires`.
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    room_kind = fields.CharField(max_length=32, description="`group` or `conversation`.")
    message_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mentions"
        indexes = (("user", "id"),)
