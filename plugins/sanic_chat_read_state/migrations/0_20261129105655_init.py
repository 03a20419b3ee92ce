from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "read_positions" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "room_type" VARCHAR(64) NOT NULL,
    "room_id" UUID NOT NULL,
    "last_read_id" BIGINT,
    "unread_count" INT NOT NULL,
    "counted_from" BIGINT NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_read_positi_user_id_8ba06c" UNIQUE ("user_id", "room_type", "room_id")
);
COMMENT ON COLUMN "read_positions"."room_type" IS 'The room kind''s name.';
COMMENT ON COLUMN "read_positions"."last_read_id" IS 'NULL: nothing read yet.';
COMMENT ON COLUMN "read_positions"."counted_from" IS 'Messages before this id were never counted (row''s start).';
COMMENT ON TABLE "read_positions" IS 'How far a member has read a room, and how many messages after that wait for them.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "read_positions";"""


MODELS_STATE = (
    "eJztVm1v0zAQ/itWvrBJoxpt1w74VPbCKsZAe+ELRZkbXxKriV1sZ1k17b9zdpKmTbvCJg"
    "0NiW/xvdn3PHeXu/MUUOZrQw20zvHzq9TccCm8d+TOEzQF/HjQZod4dDpdtrBCQ8dJ7Tgt"
    "zbWzH2ujaGBQG9JEA4oY6EDxaXmrdyJzVClCSQrpGBSJqSY2EEqUlOkOoYKRGK1SKmZopD"
    "WNQBMaGjQ2MTUkp9yQUNoTpC17LZMB3stF9Cw3jMRInMscLRSQXHFjQJDxzCpJIDOBbppw"
    "gfgkCTAiBYEbUDMy4YK90tUFxMFGtq4rl+vtdyNBiYB8bkIZ0+iPtpIADWIi8Q5V5oGhrj"
    "PhMHchrl0eqbzBt3ODr8tMLNFqJCpKbBhu3mPeRqbIjItMJ1DcIcOQ0Ihy0SKD+gqFuCDr"
    "QDGnnJvYZRlypc1IzDOJYYaIBsBvMIwiGgTbsR95jMg4rfNAgNXEBbC4Ow4cXZngPzPwjY"
    "zA5oekff/uZRq/UGlNfTObwvzAmffjBx4QTrgFbc3tcTrxQw4JW6pltEWVkxdBUPaBR0Nh"
    "jp2tLZYx4pdkqajtpzOETswduDBWGoEAhTVvbzAqs8UssiQpq7+q7yKZ2qR45YIPg5BmiW"
    "0J6108oJZ5vn/25dK/OLr0fW+lXSqPhfouRQF2HLYaPlU7ACL7hNdv2+1Op9/e7fT297r9"
    "/t7+7j7auveuqvr3xWNqtIpQDrPhx+HZpX2QxH4u2t0K7p0PNbTwcmQsTJJF7pZJOIipWk"
    "/BklODCUyxyUSF+yYqKkHNRT2Nnk6Gd1lVctnZNu2V+fMAPym99RMQkYnx2OtugP7b4Pzg"
    "ZHC+1etuL+N/VmraTmWZaCC/rvivroaHG3BfW/9ZxlnLOr4c7P+4ETYA61Dt9ByqOCJNpJ"
    "zSQdSAM6Ha+G7UPnagND1/P1rWgFpOjueu57Or01N0xJ8MIlr8Imdg/rSi/+LEqYlZ/AGu"
    "EvMgK023J7HypFLffd6B337T7Xf3O73uHPW5ZBPYq8AWWwnzQyXTx1V80/PFYut9rla9Me"
    "ByZ/cYjqsTIzngQdilrdznGNnCPQgnPO50ymy/7I7AvemRk3/B5f/kRzjtNhlO1m401Va6"
    "DO0xVg+PxCeYOYCHdvcXwboFxvq3rsog/yagtbT+Mymaz5fvxXLCzBkkYIqVb3BxMDg88h"
    "y+YxpMcqpwTCwCbTWyLRuSue2qKm2nTQkV2NOszOL+/hdoFdWu"
)
