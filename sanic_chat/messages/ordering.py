"""The one order of message changes: positions taken under a lock held until commit.

Every message change (create, edit, delete) takes the next value of one sequence shared by all
rooms, inside its transaction and under a transaction-scoped advisory lock held until commit.
So the order of these values is the order of commits: a change that committed earlier never has
a larger value than one that committed later. A message's `id` is the value taken when it was
created (the room's order); its `seq` is the value of its latest change, the cursor clients
resume from. New messages that a worker is asked to store at the same moment go in one
statement (`Batcher`), so the lock costs one commit per batch, not one per message.
"""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from ..storage import dialect_of
from .model import Message

SEQUENCE = "chat_message_seq"
# Any constant: it names the one lock that orders message changes across the service.
ORDER_LOCK = 7_316_001
# The largest id a message can have (ids are bigint positions from SEQUENCE, from 1).
LAST_ID = 2**63 - 1


async def next_position(connection: BaseDBAsyncClient) -> int:
    """Take the next position in the one order of message changes (see the module doc).

    Must run inside the writing transaction: the order lock is held until it commits.
    """
    return await dialect_of(connection).next_position(connection, SEQUENCE, ORDER_LOCK)


async def prepare_positions(connection: BaseDBAsyncClient) -> None:
    """Whatever the database needs besides its migrations to hand out positions."""
    tables = [model._meta.db_table for model in message_models()]
    await dialect_of(connection).prepare(connection, SEQUENCE, tables)


def message_models() -> list[type[Message]]:
    """Every kind of message (one table per kind of room). Known once Tortoise has started."""
    return [
        model
        for models in Tortoise.apps.values()
        for model in models.values()
        if issubclass(model, Message)
    ]
