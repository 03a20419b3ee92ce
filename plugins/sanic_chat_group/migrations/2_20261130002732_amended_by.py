from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "group_messages" ADD "amended_by" JSONB;
        COMMENT ON COLUMN group_messages."amended_by" IS 'The plugins whose amendments or republishes changed it (a list, written by its first change); NULL until then, or when changed before it was kept.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "group_messages" DROP COLUMN "amended_by";"""


MODELS_STATE = (
    "eJztWW1T4zYQ/isaf2mYoQwNd0B7nc6EELj0IOmAaZnjbjyKrTgqjmQseUKG8t+7kt/tJJ"
    "CQcITJBxJnpdXL86xWj5cHww146O+cqk/jN/RgMDwk8FCwbyMD+35qVb8l7nlZP6G79IQM"
    "sC3B2seeIGByiLAD6kvKGVhZ6HnKyG3oSJmbmUJG70JiSe4SOSABNNx8BzNlDrknIvnp31"
    "p9SjynsE7qqLm13ZJjX9uurtrHJ7qnmq5n2dwLhyzr7Y/lgLO0exhSZ0f5qDaXMBJgSZzc"
    "NtQq4/0mpmjFYJBBSNKlOpnBIX0cegoM4/d+yGyFAdIzqY8Pf8RLy3WzrE7XtC5bpmUZc2"
    "Bnc6Zwp0wqoB4eo3EzQLTVUBM0Pzcuanv7WxoCLqQb6EYNl/GoHbHEkasGPUNZUgnbrwDd"
    "HOBgMtCpQwlrWOoiKCeGDOYsxBIAE4hWAKoxxPeWR5grB/Dzl93dGSj/3bjQQEMvjTSHMx"
    "EdlU7cVI/aFOIZwnZAFB4WllWYj6FF0iGZDHXRs4S3E7vuJA/riD5s0Okybxyfrhngm+3z"
    "1qXZOP9LTTcU4s7T+DXMlmqpa+u4ZK3tl3hKB0H/tM3PSP1EX7udVvncpP3Mr4ZaEw4ltx"
    "gfWdjJJYLEmqBWYJ2PgAlrvhyW91lmJvvBLC+euNTd0L+dmLc0VlVwT3hAqMu+kLGGuA0L"
    "wcyelK9CQYKdK0HWMWs9JpGTWLOgDPAovUsLAQVbd4hHpN78BYT3RbtpGhriHrZvRzhwrC"
    "lYD8mwRwJRRfsodjz5ckE8rHdRBTqnN871QO8IcA0fr/McbAVAq03D+rBswQy7ektqbjVT"
    "FbEp+i3Dc7aKs3IMPinmjGhUMaD+J0SlQBEJqKaH2kbq4GwhTQSCATjCTIygP/pmUIGuEU"
    "bRbIj30ek3Y8coIbyK8SfIzJsMDDWi8b2kO29y5mfrzyPqtpmcQ4GqUCmFe3xQXyY9V3kp"
    "u2oJP/9ar+/tHdR39/YPP344OPh4uHsIffV6q00HM3L8Ufu03TGLF7EyzNal/3LKFhJNBc"
    "eNZlonzRTlqvk0U95no5lKrx4qw82JZ85lA+dsCZreL4tK0FIlZj0xfVKE5k9oQYQ2G5fN"
    "xnHLqITsRtbPRjR3RicDOl3Ur16vCoG1gJgiWKPm5yhW3XMF9ccbdQkNuA4Q26OESYVlVR"
    "6mK0taX1UlLqdC+e5loiB38+EfOyyHgGq+WAIDRjMMBNevNxCyCN6riZDIHmDmksrL1I/n"
    "Jlfo5EwSNkGwm+R+Chs5l4XKyTHcK07gRufq7AxxuHBQlGwdVMNI8iHkJc7I1jNZmaXUW9"
    "dmQaQnFeXaeeN6qyDUz7qd06R7rgLdPOselflIk9sc+q/g9AIF+DrMvLKe3pTyp6ec9/ta"
    "Shy6GOkFxyVwvj5n6i1RnGAyk+M4ry9ActFzw/JbZlmoqy2WkRWa/7zsdqZpxoJbmWNqS/"
    "Qf8qh4joZ8JcVignL0vdClTPyEYP0OitaPqEQjLJQJHqgcbIPI5IIgxiXCUilOGqB4GlR7"
    "eESjAWHQCjLnE9I6SBtA+AQgg3qkD9/Ka4xGBJ5uiS9fLocUFbPlUFn5lIJFDVCWQ/AFGD"
    "tWbzwP90WvNaMeuFLc6j3AnxQI3isC4oc9WPKAiPitwlFRAYpW7WMbjQIqQZSj3lj/d6ZP"
    "g/T1IwmBkEnqKdbZthpRR0QyVBwScZy95XjQVYA55XHBaVMgLUG6KeCvtuKcFa425dHp5d"
    "HCGX264rwp4y+pjP+aVefH/wFNFc3r"
)
