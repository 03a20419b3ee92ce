"""WebSocket commands: `{"type": "mention.read", "data": {"id": 7}}` acks the mention."""

from sanic_chat.plugin import parse

from . import service
from .schemas import ReadMention


async def read_mention(context, data: dict) -> dict:
    command = parse(ReadMention, data, "data")
    return await service.mark_read(context.user_id, command.id)


COMMANDS = {"mention.read": read_mention}
