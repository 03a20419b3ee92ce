from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" UUID NOT NULL PRIMARY KEY,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "username" VARCHAR(32) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL
);
-- Username search reads a range in byte order: this index serves both the range and the order,
-- so a search reads as many entries as it returns, whatever the prefix.
CREATE INDEX IF NOT EXISTS "idx_users_username_c" ON "users" ("username" COLLATE "C");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "users";"""


MODELS_STATE = (
    "eJzdlV1r2zAUhv+K8VUHIxdO04sxBqHNaC6ajNbZoGOIE0uxRWTJtSTSEPLfp6PEH3Ha0M"
    "DK2G6M9J73+Bw9lqxNaDUrezP3CD8Fm1BCztygpX4MQiiKSsOpgbmoTdob5tqUkBgnLkBo"
    "5iTKdFLywnAlnSqtECiqxBm5TBvJSv5kGTEqZSbzTfz85WQuKXtmupoWS7LgTNCDHjnF2l"
    "4nZl14bTYb33z1Tiw3J4kSNpeNu1ibTMnabi2nPczBWMokK8Ew2loGdrlfbiXtOnaCKS2r"
    "W6WNQNkCrEAY4eeFlQkyCHwlfFx+2bfWshEymcbkYRQTEp7BLlESuXNpENRmu3tvA8SrIR"
    "a4vh3eX/SvPngESpu09EGPK9z6RDCwS/XQG8osBy6OQV9nUL4Muk7osHatvg/lCtA7IA1z"
    "eCaCydRkbhoNLk8w/j6895idy3NW7kTszslkH4p2MeR9eNL8+AzE7Zz/jnI/egPkfvQqYw"
    "wdIi5A65UqKclAZ+dwPkr8M7AroaHd/DX/wqYevGlTD05s6kGXeFIy5EHAHOO+cRHDc/Yy"
    "8sPMDm+6T+1Vg3+RvlsgnUqx3h+yE/Dj8d3oIR7efcNyudZPwvMbxiOMRF5dd9SLq853ql"
    "8S/BjHtwFOg8fpZNS9Cmpf/BhiT2CNIlKtCNDW/6BSK2pbvJ0Xy9bNgcIckuUK3Lk5iqhI"
    "veY9DuVR3lVAQuq/GcLdbn8DDIHL5Q=="
)
