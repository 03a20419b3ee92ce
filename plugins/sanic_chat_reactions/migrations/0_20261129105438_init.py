from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "message_reactions" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "message_id" BIGINT NOT NULL,
    "emoji" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_message_rea_message_d166b5" UNIQUE ("message_id", "emoji", "user_id")
);
CREATE INDEX IF NOT EXISTS "idx_message_rea_user_id_0acc2a" ON "message_reactions" ("user_id");
COMMENT ON TABLE "message_reactions" IS 'One user''s reaction to one message with one emoji.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "message_reactions";"""


MODELS_STATE = (
    "eJzdVstu2zgU/ZULbSYBPEbhpEnartzEnRqDJkWitEDrQqXFa5ljiXRJKo5Q+N97SUqWZR"
    "vpYHaZhQHq3Pc5fPhnpJGlVihp+rf1KnoNPyPJCqTFIXMPIrZcdowOs2ya+5ACjWEZJh0r"
    "mxqr6ZscZiw3SBBHk2qxrEtGNxKhNKj/MNBEglWgCK4zwkrYuQewUP+IvsvLVUqJhcz+W4"
    "qJnMjvTcOCfwc3twG28VczYLKChZDcrbVSxWsQ3ECqCoSZVoXPpjRHDWbONHKYVoAPqKuJ"
    "dGE9MIpyUBAIAyhVmc17BHCQCmZKo8gkLLCClJyWSkgL9FMhhS9M43hy+zBs+ppIyiWdC0"
    "1aqAdXtbRhOmGN7/NNWDUqgJ2jBGNZBVOc+8ZKaRAlkRDPiTgpfpQIR3WFXmCo5wk9ppY4"
    "PkLBFo4dzolwsCuRop++qRHGIv8H9OUmsq3uiIRlTWldw8CRazFH5hOmKi8Leex1Dd0kVm"
    "VIiTSp+/Vr1ArlXHx/3pcqRt++0cp3iSZ4t/BykcwE5ryzs0MSjye2WnrsrcjG0r7zvm5z"
    "TZPQU+u/rOxcyU0AKeXQDCVqZtFVsLp0u1uWeV6fiGbDh5lal9DtVgzHGStzd0ZcdGigxa"
    "Ikub6Jk7tRnCTR3vlpIrbOQw2lRD+dPWrVeAIy18KfrwaDk5PzwYuTs4uXp+fnLy9eXJCv"
    "73ffdL4OzbRshVSes/Ff4+vYNaTogIcrwAFrH8MsC1FelJb9rpT/XoVu3O/VaLh/So4GaP"
    "Vor6j/mSCtAJvT0+X+kq6ww8xvAnZIp1GeI+kFe0xylJmd0+fZ6RN8fhreXr4f3h6dnR53"
    "Sb2uLQNv6tKb0s1HZCTM7nN8RRYrCjzMczdyh2xeh/abxXOkngbkNzKv6ovvCerj8YfRXT"
    "z88NGVK4z5kXv+hvHIWQYerXbQo7MdmTZJ4PM4fg/uE77cXI88vcrYTPuKrV/8JXI9sdKq"
    "RKpVQu9de0c3aMNaR3X35By80u7vx1eH5d4K2dG6LAXvu8BnqPETmvqzdBJE2qbfT7peu/"
    "d6tjj4ZvgHfY/ad+Ev1N9YeYLH1AeTKR4ilOL793WS50loi7Y7UrPV5u/N9naiyTnmaMO9"
    "Pry7HF6NIs/vlKWLFdM86RDtLGqgdpCN776pGBS7CJP0OPN6ivX6F+u2BR4="
)
