from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "refresh_tokens" (
    "id" UUID NOT NULL PRIMARY KEY,
    "family_id" UUID NOT NULL,
    "issued_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "used_at" TIMESTAMPTZ,
    "revoked_at" TIMESTAMPTZ,
    "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_refresh_tok_family__59d0e5" ON "refresh_tokens" ("family_id");
COMMENT ON COLUMN "refresh_tokens"."id" IS 'The token''s `jti` claim.';
COMMENT ON TABLE "refresh_tokens" IS 'One issued refresh token. Tokens rotated from one login form a family (a session).';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "refresh_tokens";"""


MODELS_STATE = (
    "eJztV1FP2zAQ/itWXgYSygOb9oCmSRUUUU1QBEGTGJNx40vqNbGD7axUqP+ds5M0acuYQG"
    "WCiZeq/e6+u8v3XRL3LmClHYdnkGgw40hNQAZ75C6QLAf88kB0B8GiaGLup2WjzCfrKo9a"
    "l2h85shYzWKL0YRlBhDiYGItCiuU6xQMJRBhTAmc1HTi6SHx7QzRyjKL0USrnCjMzlQqJE"
    "mUzgnDqrnIZmSLEQPGYM3t0PXlKsbGQqYv0+JKXsleVQQrk1QpjrwY9poG2JnkTE8MEZaU"
    "BmszyashHGSIKeMYqykdklMkgLSOwnzulawqs5ThFDkw6ctMmSGxKgTwHWIUsWMg07HKoB"
    "kQB9HwG5ncS1BKcVMCepECpmoU4sdPhIXkcAum+VlMaCIg40umC+4KeJzaWeGxi4vBwaHP"
    "dPKOaKyyMpdtdjGzYyUX6WUpeOg4LpaCBO0U7qyBLLOs3psGqiZGwOoSFqPyFuCQsDJzyx"
    "R8SUoZux0ivpP7+PS1Hq2TRunJMKLn/YjSYH33IpTQS/3BkOtfVlyTOGMiX9sgNytCsZJu"
    "m4W0Tr67edWtlcmjgSu8f9Q72/r4edsLo4xNtQ96EYO5JzLLKqq3otW+MpM+zYIl0iadaI"
    "BHrKjFeYLuDeNFFe5ss7/1KbPrih6gFFbk8IfF7hJXVOU1M2y+bEbd9iH5D+TF5zXjQ5nN"
    "alsfkTsaHPfPo97xqWuXG3OTefl6Ud9Fdj06W0G3KncUPv+r18OiCPk+iI6I+0kuhyf9VQ"
    "8XedFl4GbC94yiUk0p450NbNBGtSXP4bYQWO0Zpi8z/0PX34jLjSaP2uzels/wuEPbgMH1"
    "Pr77u3l/6/PMMyxeZr67/JpdxttRP/HA06G87HHntZj6l/OOO8onkwcPlE6qdWkPlQaRym"
    "8w8wIPcA6Gf2AeEhT54UVd5G0K2qLtjazZdPHPp7tOeOUcMrD+2vd75/u9g37g9R2xeDJl"
    "mtMloV1E7aoVZJG7Hsp381WESZZ6cdxVzOf3UvkM0g=="
)
