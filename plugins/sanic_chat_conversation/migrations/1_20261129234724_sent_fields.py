from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "conversation_messages" ADD "sent_fields" JSONB;
        COMMENT ON COLUMN conversation_messages."sent_fields" IS 'The plugins'' send fields it was sent with, those not at their default ({} when none); NULL when stored before they were kept.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "conversation_messages" DROP COLUMN "sent_fields";"""


MODELS_STATE = (
    "eJztWW1vGjkQ/iuj/XJEyqGWtE2udzqJENrSS6BqNndVm2pldgewWGxie4+gHP+9ttll2Q"
    "X2gISkrfgCZjxjj5/HL4/NneNz9i8KSRTlrFyb++G8hjuHkQHqQoHXIThkOMz7GLMi7XAh"
    "WNqAtlSC+EpXdkgoUZsClL6gw7hjpwrPXz+HTK/g9hCGhAqgEqTiAgOgDHzCOKM+CYGLAA"
    "WU5ICEoS7QADpUSHVwCJIDVbbngPu6a8q6u+rkmkWM3kSoowK8hQHpo4RrxxdIFILSreMt"
    "lUpnAJwhCFSRYFJHXjsgSQchYqYDnZQfCYHMH5dN3tNGPcW7qNsQOvsvX5xIovCIrTaltv"
    "P1qy7bjlHOucQVw77XoRgGGWJpYOKt3VPjobVdXTXO3lhPg1jb83kYDVjqPRyrHmcz9yii"
    "QdnEmLouMhR6qMEctywKw3guJKbpeLRBiQhnSQepIcAOiUIzQ5w/OhHzDTtgezIfL/6MU5"
    "tz87xmy/Uu667nOQsTyqSQoz82aaTNZKRMGcjuJtN2U0Cs1TEd1N5VP5aOXh1YCLhUXWEr"
    "LVzOxAYSRaahFv655WPpDzyiFtE+0zWKDnA54tnIHPJBHFpOCtswkBhSCtI1mYCbwLcDwB"
    "09wKDFwnHMfQEBbuOifulWLz6Y7gZS3oQWv6pbNzUVax3nrKUpX1xvN9PNaNYI/NNw34H5"
    "CZ9bzXqe1Zmf+9kxOZFIcY/xkUeCuWmaWBPUtGfK+nR9epstsUzQQ660J+b5PgsrB2l7G0"
    "jbe0hTSM1x0Okv3arSQyUL7xt9FtIu+wvHFuSGzoQwH5dBqlsoX+mPHxfS1JoudUFGs/Mz"
    "u0r12AMMUdnR16qXtepZ3VkybfegrgFquxBUM3HbxO+PiAi8zAw2NbzCc5aZ72LVoDLIWw"
    "gjXQuPGcfksED2XqCU2nc9jZw4byiVvcE0bj3JvJqNpdpRH1w9bieTH1JkyqC+KB/zeSZO"
    "a0vJU9ptMLWBmDSzYycycpcSxk6EX3+rVI6OjivPjl6dvHxxfPzy5NmJ9rX5LlYdF2zep4"
    "23jaablS3GUKwxJd5shn8c8DAELG4xD8CAU4uE5AJ4x96cQp2PVOD3COtiOX+de3puMluB"
    "QrZE7Lt4u4KNuZAcI3o4azASw73jPd9pXp2f65urjzDdnQMoEVB8oLcnfZ89WJOVIpFf/+"
    "Rm9H3z7+pHK2cuqp8OMhr/vNV8m7inbDRr563TPB+zPW4D2ZgJuodsfBxmHlmI72+0q7ec"
    "n/dGiwHdjvRM4ANw/uOsqe+J4gSTQo7jfX0LkrORe5a/Z5alOdpiGblA8/vLVnOVZsyE5T"
    "mmvoL/IKRyHQ35SIrFvuiHUZcy+Qvo/M2LvckfqIIRkcakC1T1DrXI5BKBcQVEGcVJBcTd"
    "QOluAqMeMl2rZc7vYHWQNcT/ErSxo79N1BhGqEt9HKr7yyFDRbEcyiuf3GQxDeTl0PTyt6"
    "EcygTtX9EWFX96cd9QZy6G7uEtfqRMXy/272mr39MyK/b/Hynzjz3bQlv4X/FPCvWSNfz0"
    "D5iTbwCdUj0="
)
