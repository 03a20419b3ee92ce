from tortoise import fields
from tortoise.models import Model


class RefreshToken(Model):
    """One issued refresh token. Tokens rotated from one login form a family (a session).

    A token is good once: refreshing marks it used and issues its successor. Presenting a used
    token again means it was copied, so the whole family is revoked.
    """

    id = fields.UUIDField(primary_key=True, description="The token's `jti` claim.")
    family_id = fields.UUIDField(db_index=True)
    user = fields.ForeignKeyField("user.User", related_name=False, on_delete=fields.CASCADE)
    issued_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refresh_tokens"
