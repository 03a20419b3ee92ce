from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "groups" (
    "id" UUID NOT NULL PRIMARY KEY,
    "title" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "owner_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT
);
CREATE TABLE IF NOT EXISTS "group_members" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "joined_at" TIMESTAMPTZ NOT NULL,
    "group_id" UUID NOT NULL REFERENCES "groups" ("id") ON DELETE CASCADE,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_membe_group_i_871198" UNIQUE ("group_id", "user_id")
);
CREATE INDEX IF NOT EXISTS "idx_group_membe_user_id_1ed761" ON "group_members" ("user_id");
COMMENT ON TABLE "group_members" IS 'Membership; its unique (group, user) index also answers \"is X a member of G\".';
CREATE TABLE IF NOT EXISTS "group_messages" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "content" TEXT,
    "client_id" UUID,
    "created_at" TIMESTAMPTZ NOT NULL,
    "edited_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "author_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "group_id" UUID NOT NULL REFERENCES "groups" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_messa_author__9dd6fa" UNIQUE ("author_id", "client_id")
);
CREATE INDEX IF NOT EXISTS "idx_group_messa_seq_a6237a" ON "group_messages" ("seq");
CREATE INDEX IF NOT EXISTS "idx_group_messa_group_i_a6b46d" ON "group_messages" ("group_id", "id");
COMMENT ON COLUMN "group_messages"."seq" IS 'Cursor of the latest change.';
COMMENT ON COLUMN "group_messages"."content" IS 'NULL once deleted (a tombstone).';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "group_messages";
DROP TABLE IF EXISTS "group_members";
DROP TABLE IF EXISTS "groups";"""


MODELS_STATE = (
    "eJztmO9P2zgYx/8Vy6+KtKu4sgF3N51USmHVoD2VsENjU+QmbuojsUvsqFSI//1s53fSBt"
    "q1bEV5UzWP/djO57Eff/M8QsdnwbR5rn7hn+ARUuRh+Sdnfwcgmk4Tq3oWaOSm/bjuMuLC"
    "R5aQ1jFyOZYmG3PLJ1NBGJVWGriuMjJLdiTUSU0BJfcBNgVzsJhgXzbcfpdmQm38gHn8OL"
    "0zxwS7dm6dxFZza7sp5lNtu77unZ7pnmq6kWkxN/Bo2ns6FxNGk+5BQOym8lFtDqbYRwLb"
    "mddQq4zeNzaFK5YG4Qc4WaqdGmw8RoGrYMCP44BaigHQM6mf939HS8t0M83+wDCvuoZpwh"
    "XYWYwq7oQKBerxKRw3BaKtUE3Q+dQeNg4O9zQCxoXj60aNCz5pRyRQ6Kqhp5QFEfL1S6A7"
    "E+QvBp04FFjLpa5DOTakmNMtFgOMEW0BKvTQg+li6oiJfPx9f7+C8pf2UIOWvTRpJs9EeF"
    "T6UVMrbFPEU8KWjxUPE4ky5lPZIoiHF6POexZ425FrM/6zi/TlC9oD6s6j01UB3+hddq+M"
    "9uU/ajqP83tX82sbXdXS0tZ5wdo4LMQpGQT82zM+AfUIvg763eK5SfoZX6FaEwoEMymbmc"
    "jOJILYGlPLRZ3NZCTM1XJY1meTmewnR3n9xKXuhvHdwrylWZXhnjEfE4d+xnONuCcXgqi1"
    "KF8FHPvNa453MWs9xTsntqab0kez5C7NbSj56jZ2sdAvP5Tbe9jrGFAjHiHrboZ821zC2s"
    "PeCPu8TPskcjz7PMQu0m9RBp3RG5d6oDcEXONjLZbBlgNabvJaXtGCKHL0K6m51UxlYkv0"
    "W8qzWsWZmQg+K+ZgOCqfkOlfgAgOwiCAhh7qHVAHZw/oQAA5AAOI8pnsD75BwsENQCCcDb"
    "AxOP8Gm7BAeBvjL5CZtykMNSL8XtCdtxnzi/XnCXF6VKygQNVWKWz36KD+mPTc5qXsqCX8"
    "9kerdXBw1No/ODz+8P7o6MPx/rHsq9dbbjqqyPEnvfNe38hfxMpQrUv/Y4SuJZpyjrVm2i"
    "XNFOaq1TRT1qfWTIVPD5XhVuSZcalxVkvQ5H5ZV4IWKjG7yfRZEZo9oTkR2mlfddqnXVja"
    "srWsryaaOaOLgS4X9dvXq5wjLSCWCNaw+SWKVffcQv3xVl1CE6Y3iOUSTIViWZaHycri1l"
    "dViZupUL55mcjx/Wr8I4fNBKCcLzYQAdgJfM70543cskB+V2MugDVB1MGlj6mfH5tMoZNR"
    "gekCwW7ghyXRyLisVU6OcG85gcP+9cUFYPLCAWGytUEDAcE8mZcYxXsvjEqVUu/eGDmRHl"
    "eUG5ftm72cUL8Y9M/j7pkKdOdicFKMR5LcVtB/OacfUICvE5lX1tN1KX95ynm7n6XYJusF"
    "Pee4gZjvzpn6lUIcM6mMcZTX1why3rOO8q8c5VD4r3gj5pzqmkjhSqxrdtstMqXfqnVFZH"
    "lFJHdGny8y1ZW7DVXuXrPQ9PQ/PKh7Qw=="
)
