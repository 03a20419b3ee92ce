from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "message_replies" (
    "message_id" BIGINT NOT NULL PRIMARY KEY,
    "reply_to_id" BIGINT,
    "reply_count" INT NOT NULL,
    "counted" BOOL NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_message_rep_reply_t_c3619c" ON "message_replies" ("reply_to_id", "message_id");
COMMENT ON COLUMN "message_replies"."reply_to_id" IS 'The message this one answers.';
COMMENT ON COLUMN "message_replies"."reply_count" IS 'Its replies not deleted.';
COMMENT ON COLUMN "message_replies"."counted" IS 'In its parent''s reply_count: a reply not deleted.';
COMMENT ON TABLE "message_replies" IS 'A message''s place in threads: the message it answers, and its own live replies.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "message_replies";"""


MODELS_STATE = (
    "eJzFVVFv2jAQ/itWXrpJXdUCHYy3VeompBWkjj2VKjLxESzCObWdMlTx33e2Q0hJ25Vq1R"
    "4ixd/ddz7fd2c/RBryTII5uQJjeArXYRn12UOEfAn085zLMYt4ntccHGL5NPOkZXCOazY+"
    "NVbzxJJ5xjMDBAkwiZa5lQod6SsraUeG5RlPgElkdq6BC9OnH9jambSMo1mBNsf0I2htmF"
    "ohy+Q9sG3CblOhEtpVYvoO8Sc4wRHSWq1YDroi2zm3TBrGveeaKc3m3NAnmEI69orscE8E"
    "F3UhKbyaURC17O/2F2aCXIMjMAN3BSBlyxOtTKCYEzZUlCSbKQ0yRbaAdZ8BT+Yh4gIgN3"
    "6DMqRxZ+XMCzRB2rA8kq9SgZK2iK1KgaqgqVY3twRTIPjtu+Hmxqu8JpdYCkfZCkyrW+eb"
    "L+KZhEw8ap2aE7l4e2zXubddyHSA9pvnOKGmcaKyYolNXr62c4UVUaJ1aAoImgopav2ERZ"
    "aVHbiFwtEIsLqA6kxiBwiY8SJzXenYIZMdFsXxcDSOf16O4zhqdOyWUWuyEkoUum6nXMMw"
    "pS6FT19arXa72zptf+6dd7rd895pj3x9vk1TdxOS2ZUthPLFG3wfDMcuIUUjFUbOARvP4Z"
    "YHlpfu8STXJHy9HnvENwlSlrvSY+uyE2R3K7xdkWhcm2I7pyl0E1TOcuNG+P9i7YuTqCJU"
    "87E4f1GmYv2bUXmNNKcH6jKg66a8OBnSzSUgA8roMElaZ51up9f+3KmUqJCXBGgW2xcMnp"
    "oCpTLg+HSxa6y9Qk+J9l6VrpBDqo3+fs/pCUF7FCpftkm/epcOl+GlJh+Nfvh3wZi7LHT9"
    "XssPf11dXF5/OPvoYHKStjYJ7gmZLWq3lgOmPFmsuBZxw6Ja6jnfpmnZWu4jHOl+EOU5N5"
    "s/jKvsig=="
)
