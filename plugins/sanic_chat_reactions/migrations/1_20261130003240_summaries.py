from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_message_rea_user_id_0acc2a";
        CREATE TABLE IF NOT EXISTS "message_reaction_summaries" (
    "message_id" BIGINT NOT NULL PRIMARY KEY,
    "counts" JSONB NOT NULL
);
COMMENT ON COLUMN "message_reaction_summaries"."counts" IS '[[emoji, count], ...] in order of first use.';
COMMENT ON TABLE "message_reaction_summaries" IS 'A message''s reactions as every member sees them: each emoji with its count, in order of';
        CREATE INDEX IF NOT EXISTS "idx_message_rea_user_id_5f40af" ON "message_reactions" ("user_id", "message_id");
        INSERT INTO "message_reaction_summaries" ("message_id", "counts")
        SELECT "message_id", jsonb_agg(jsonb_build_array("emoji", "count") ORDER BY "first")
        FROM (
            SELECT "message_id", "emoji", COUNT(*) AS "count", MIN("id") AS "first"
            FROM "message_reactions" GROUP BY "message_id", "emoji"
        ) AS "each_emoji"
        GROUP BY "message_id";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_message_rea_user_id_5f40af";
        DROP TABLE IF EXISTS "message_reaction_summaries";
        CREATE INDEX IF NOT EXISTS "idx_message_rea_user_id_0acc2a" ON "message_reactions" ("user_id");"""


MODELS_STATE = (
    "eJztWNtu20YQ/ZUBX2wDqhDIju26T/IljdpaKmy5KWIZ9IpciVuRuwp3aYVI/e+dneVFpG"
    "QnKdAiLvpggJqd65m9zPEnL+UsMEJJ3b0qvrwT+ORJlnD82LbcAY8tl41FKzNsGpNJwrVm"
    "c+43VtlUmxR/o8KMxZqjKOQ6SMWyCOmNJIdM83RHQ2kJRoFCceERVsJEJOCJ+kN0rd9QBe"
    "hYyPnfczGRE3lfJizCe7B1a2CVvpoBkzkshAztd6pUcgIi1BCohMMsVQl5U2nIU9ARS3kI"
    "0xz4A0/zibRmHdAKfaARCA1cqmwedVAQglQwUykXcwkLnkOASkslpAH8U84FBcZyCNwu9M"
    "u8JhJ9SauClSbqwUbNjKtOGE15/uC+yi6AibgEbVgOUx5RYpnUnEsEYRwhcFJ8yDjsFhE6"
    "DqEOAbqHKYX8IyRsYdEJQwQczEoEnKovY7iyUP+BU7iJrKNbIGFZQFrE0LBrU4w5I4eBir"
    "NE7lFfXTa+UXOOjlLs7u2tVzfKqlB+pIsRvbs7/KIsuXbaJO7AuhUpLRf+TPA4bOxz55Lk"
    "vsmXJDsV84E0b0jXbrWp7zKs9Ze5iZSsDLBvVjrnkqfMcBvBpJnd6zKL4+J8lNvfVViruN"
    "zXbEI+Y1lsT4y1dgnUMs/3h6Oxf30x9n1v4zSVFmunoxAF2Aw8iZiqJgDmNoXvvu/19veP"
    "eq/2D49fHxwdvT5+dYy6lO/m0tGjS6ZGy7kizAY/DoZjm5DC4+4uBCt4JBtmmLOiFtXoNx"
    "v75V1o2n2+GyX2z7WjFNT9qC+s/1hD6gZUZ6mJ/RleaNuRrwxaoGMpLxH0hH30Yy7nJsKf"
    "hwfP4Plb/+rsbf9q9/BgrwnqsFjp0VIT3gDvQQTDZ2YT43NcMSLh23FuWrbADgvTbvnxEq"
    "HHAsORjPPi4nsG+vHg8uJ63L/8lW51rT/EhF9/fGFXeiTNW9Ldw1abKifwbjB+C/YnvB8N"
    "Lwhepc08pYi13vi9Z3NimVG+VCsfX7/6ji6lJWqNrtsHaOuVdnMzON/e7jWTVq+zTIRda/"
    "gCe/xMT+ks7bsmrcNPlT4+2vd6ttj6ZpTPexPaN26g+pnnBPAA82Ay4NsARfvuTeHkZQJa"
    "S+sdmbJVNd6sbyesPOQxN+5e71+f9c8vPMJ3yoLFiqWh3wDarqieakkq3c2lpJe0JUzi4x"
    "wWVdicN9nEdZYkLM0/wzlKra+lHr4mQ8G/kINU8/XO+uDMdDGMJzyZ2jGfu/EWmQDqRG5Q"
    "rmfvQGXSdHBiLliBmm0QlX8ozkTORKqNHdk71tv97W0xxJMu9qTb7d7dE+t5lwpjkBCQOx"
    "c2iJh08zkG3ZYhBbOhEUapC4JlR/5M2gRo4l8zUyuIVbAgAiSMZT8sXrGcaqqd7oBaIS/J"
    "EktvIqGNwlSIKNiXQTuCoVYTucQQJS0TuPFx1eZqW2zZg6uh4n24UoJJJmvkySkhZTJqIq"
    "fccjCoNgqsOP5c8KWBCCFEjobBT4r8rRbaEe3bJFdPEZcWM3mSg3xLU/D/pMSjM6M3W/HT"
    "9Wj4xLBWWbQHNREY+BNi3N3fzmvjbb0d1u8TqK6Tjf+1fPVDb1FrzG3lvLx72f+9PUqf/T"
    "I6bU8E1sHptpHg33zDHv8CknxKXQ=="
)
