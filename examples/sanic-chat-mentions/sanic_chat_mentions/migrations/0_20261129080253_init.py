from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "mentions" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "room_kind" VARCHAR(32) NOT NULL,
    "message_id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "read_at" TIMESTAMPTZ,
    "author_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_mentions_user_id_3609c6" ON "mentions" ("user_id", "id");
COMMENT ON COLUMN "mentions"."room_kind" IS '`group` or `conversation`.';
COMMENT ON TABLE "mentions" IS 'A message that named `user` as `@username`.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "mentions";"""


MODELS_STATE = (
    "eJztV11P2zAU/StRnjZpq1A6KNvTMigjmigThE0CIceN3TRqYhfbGVSo/32+TtJ8rhNo0q"
    "jEm3PuPfb1Ofat+2inlKmYMzk4ywf2J+vRZjiletANvrNsvFzWQwApPE1oG8RTqQQOlcZn"
    "OJFUQ4TKUMTLYhnbtVIqJY6opeZYWbAosYJMUhFYWFrBZxgCGgxgQsJDPWPMomdwMxbfZR"
    "QpHlE1p0LPcHOr4ZgR+kAlfN7YwIDcmNi3EFwu0CymCWkoooM6ZHCkVkuDfYkjj6kTkwt1"
    "TlHIkyxlVf5ypeacbQgxU4BGlFGBFYUVlMhAIZYlSSFmKVpeepWS11zjEDrDWQI6AzsvoM"
    "JshCbnProc+wjZHQ9KRk3aAgq1jdo/Xao0AkRQwvuPjjMcjpy94cHh/ofRaP9w71Dnmnq7"
    "odE6L6ZSK5/KaOZ99SY+FMT1IclPDwBrw8EK5yxjTaW+4DxFC61A14SjORb9FjRILSf0Ft"
    "tOlLpvs6IEKi+qI/58M+wgEjxbBhYXVqD1/0WFxBDrnv8/mJTiB5RQFqm5/hw6W/T/4V4c"
    "nboXb4bO26YJkyLimBDYUW8H5sqhp16CJu/vl+H/WfAi70NlQCgoSISw6hpwrCMqTmm/BU"
    "1mywJSUAflYBcN0Rsk5yxZFY1xi9a+dza+9N2z77BcKuVdYvRz/TFEHIOuWuibg9Y92Uxi"
    "/fT8Uws+revzydjIy6WKhFmxyvOvbagJZ4ojxu8RJrUeXqKlag3XYWfPsLxG+wd+F4W+FL"
    "t3xN5Sk63+6uCci96uenXlHfe72yC1/M2ymAyAuoP3eIux+Q9W7lTdA7PTZqOEt9wTBa1R"
    "XuXUcsITeLbofYaVL+WmtCdc0Dhi3+jKCOzpOjALaZ+gmj+4KibZTUErtOqNAt9v/jHUj5"
    "PeOaEJVfk71b08co/Hdk8HeJV0u6SNltcvKhzaKQ4X91gQ1Di9EOEObyGb3G4oddI2gpl+"
    "xZJiH+v1b/U04dc="
)
