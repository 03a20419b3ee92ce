from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "conversations" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "user_a_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "user_b_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_conversatio_user_a__053db6" UNIQUE ("user_a_id", "user_b_id")
);
CREATE INDEX IF NOT EXISTS "idx_conversatio_user_b__b2826e" ON "conversations" ("user_b_id");
COMMENT ON TABLE "conversations" IS 'A 1:1 conversation. The pair is stored in canonical order (smaller id first), so its';
CREATE TABLE IF NOT EXISTS "conversation_messages" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "seq" BIGINT NOT NULL,
    "content" TEXT,
    "client_id" UUID,
    "created_at" TIMESTAMPTZ NOT NULL,
    "edited_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "author_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    "conversation_id" UUID NOT NULL REFERENCES "conversations" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_conversatio_author__a58ec6" UNIQUE ("author_id", "client_id")
);
CREATE INDEX IF NOT EXISTS "idx_conversatio_seq_42ce82" ON "conversation_messages" ("seq");
CREATE INDEX IF NOT EXISTS "idx_conversatio_convers_853874" ON "conversation_messages" ("conversation_id", "id");
COMMENT ON COLUMN "conversation_messages"."seq" IS 'Cursor of the latest change.';
COMMENT ON COLUMN "conversation_messages"."content" IS 'NULL once deleted (a tombstone).';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "conversation_messages";
DROP TABLE IF EXISTS "conversations";"""


MODELS_STATE = (
    "eJztWWFv0zAQ/SuWP23SqKADNhBC6roCFVuLWAYIhiI3vnbWEruzHbZq2n/HdpKmSbrQlp"
    "UB6pcqO9/Z5/fs87N3gwPBf4BURDPBG+2ZP/BLdIM5icB81HjtIEzG47KPNWsyCCvBygUM"
    "lJYk0KZxSEIFxkRBBZKN04FxCz15+QQVRkXeOaAxYRIxhZQWEihiHAWEC84CEiIhKUi0pS"
    "IShuaDUTRkUuntHaQEYtqNTEVghmZ8tK5BznjM2WUMJorCNYrIBSh0hgMJRAPSpne4Zkqb"
    "DJDggCToWHJlIs8wUmQIKOZ2AJNUEEsJPJg0bN5Jp74WIzB9SJP9t284ViB94prt1wB//2"
    "6+3cCgZlzShvGFP2QQ0gKxjNp4Z/f1ZOxsp6fdwzfO0yI28AMRxhHPvccTfS741D2OGW3Y"
    "GNs2Ag7STJXOcMvjMEzXQmZK5mMMWsYwTZrmBgpDEod2heBXw5gHlh3kRrI/T1+nqc24+X"
    "6v7/knHc/3cWVB2RRK9Kcmg7RdjIxrC9nNbdJvDoizYjtA+13r49bu820HgVB6JF2jgwvf"
    "ukCiSRLq4J/ZPo5+6hNdRfvQtGgWwXzEi5El5Gka2sg+VmEgM+QU5HsyAzeDbw2AYzNB2u"
    "fhJOW+hgCve9w58VrHH+xwkVKXocOv5XVsS9NZJyXrVsKXMOUmKUbTTtDnrvcO2T/R136v"
    "U2Z16ud9xTYnEmvhc3HlEzqzTDNrhprxzFlP9qe/3BYrBN3nTntgnn9nY5UgHawC6WADaQ"
    "6pPQ6GF3NLVX6oFOF9Y85CNuLvYeJA7ppMCA9gHqSmh8ap+fl3Ic2t+VaX5Gp6fhZ3qZk7"
    "hRC0m327ddJuHXbwnGW7AXUBUAe1oNqFOyDBxRWR1C+sYNsimqJkmfpWm6JmVLYQTkYOHj"
    "uP250a2XsMShnfxTRy5rykVPajJG4xyXw3G3O1ozm4zoVbTEHIgGuLelU+lvPMnBaWkgds"
    "1OV6CTFpV8daZOQ6JYxbCI9eNJu7u3vNx7vP95893dt7tv943/i6fKtNezXF+6D7ttvzir"
    "LFGuo1poLL5fBPA+6HgGqJuQcGcDuWSkgkhu7mFJp8lEbBOeEjaJSvcw/PTaEUaOBzxL4H"
    "13ewMRNSYsRMZwFGUrjXXPNx7/ToyNxcA0BJdaZoiyAtIlOezH12e0FW6kR+54tX0Pe9T6"
    "2PTs4ct75sFzT+Ub/3NnPP2ei1j/oHZT6mNW4J2VgI+g3Z+GeY+cNCfHOjvbvk/L83WqBs"
    "NdILgffA+b+zp/4mijNMajlO6/oKJBcjNyz/zSwn+n/JE7EQtHlIqYq+/O62pNSohm7grX"
    "+nyi+wmyeVu59UCjv21+9U5fv+qtDW/rvwP4V6zh5++Des25/TtaxU"
)
