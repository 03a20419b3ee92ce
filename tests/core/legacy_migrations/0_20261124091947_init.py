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
-- Username search is a prefix match; pattern_ops makes LIKE 'abc%' use an index whatever the
-- database collation.
CREATE INDEX IF NOT EXISTS "idx_users_username_prefix" ON "users" ("username" varchar_pattern_ops);
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
COMMENT ON TABLE "refresh_tokens" IS 'One issued refresh token. Tokens rotated from one login form a family (a session).';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztme9P2zgYx/8VK2+OSVy1lcKm6TSpg07r3dFOEG7TxikzsZv6mtid7axUrP/7HjtJ86"
    "uUlgNWUN+g9OvnsZ98Hjt+bK6cSBAaqsaZotJ5ja4cjiMKDyV9Fzl4PM5VI2h8EVrDGCys"
    "gi+UltjXIA5wqChIhCpfsrFmgoPK4zA0ovDBkPEgl2LOvsXU0yKgemgD+fIvyIwTeklV9n"
    "M88gaMhqQUJyNmbKt7ejq22tlZ9+idtTTDXXi+COOI59bjqR4KPjePY0Yaxse0BZRTiTUl"
    "hdcwUaavm0lJxCBoGdN5qCQXCB3gODQwnD8GMfcNA2RHMn9ab9LQCmae1+u73mnH9TxnDX"
    "a+4IY749qAupol/eZArOqYAQ7ft0929g6eWQRC6UDaRovLmVlHrHHiaqHnlGmEWVgHfTjE"
    "cjHouUOFNYR6P5QzQPeA1InwpRdSHugh/Gzut5Yw/qd9YjGDleUsYEUk66SXNjWTNsM752"
    "sWkX1eA3HR58lR3muuAHmveS1j01RGPMZKTYQk3hCr4Tqca453AzsTctr5V/MXTOr9lSb1"
    "/pJJvV8l7ktqeHhY13EfQYtmEV2MvOxZ4U1S10b28BjpwwuSPg+n6SJbAt/tHndO3fbxBz"
    "NcpNS30PJrux3T0rTqtKLuHFTyNO8Efey675H5iT73e53qVjC3cz87JiYca+FxMfEwKXwP"
    "MjWjNjO782BU2DmMcIH90QTDuqm1iKa4zrbeFDWjqoI5DmzODFwTZlqsnNABvMfQFSPKFx"
    "UzpfalRY1MLKEiAdPVqhunzyliSsWUoNQdWfcGsgMqJIU2MxQNpIiQAOtQBIyjgZARwtBr"
    "xMIp2sFIUaWgz2cNpzKX7mGIc37O20kn0DMKhCDg59PX2QAwMoqwHCnENIIthyDMSRKEkR"
    "RSse9Db0I20AdwoFwbF2xtz3nSMw5g5qOIYm67mWCFfDFmlOwiJRCUfGgyFCHNAoRAJP0O"
    "nsQi2FaHN313HBcQWtS/KfT1P82+Ij/ELKrNoIesGZNkeuuloOR0l5mof/Afsrj5P4QLs9"
    "ku/VvspyXH7Xa66dtpMef0csygt1skvez5BLP+SLKcMVmaZrNb3iLHBbc7SHA6H7f5vfv8"
    "pvXMLVJc9txmeZOzbK5k1ix4Ci73W+5sSlJvqHdqR8ky3Trad0JSFvC/6NQC7kIcGA4wC4"
    "BWrrQfJ9JczZeyxJP52ac4oeDd4Y2pTi642qeH7aOOM/s1Z/M2lcwfOgtO5WnL7rLzOM5t"
    "Nua/DF2u1zhGmoRVJl2avc29kQ1MCL83X7Retl7tHbRegYkNc668XLLOuz33hgPidyrNJc"
    "Q6d7EFl+0t7Gq3sGZRrUE4NX+CdF88f74CXbC6lq5tq9xxC64pX1DU/Xna711zuZ27VKs5"
    "5mv0A4VM1b4Vj4D2ErgGRqmGy5juHLc/VXEf/t1/Wy0OTAdvF1UHD7mZzX4C0BEFhg=="
)
