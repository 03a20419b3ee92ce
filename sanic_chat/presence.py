"""Presence: a user's contacts are told when their first connection opens and last closes."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from sanic import Sanic

from .awaitables import await_all
from .events import Event

log = logging.getLogger("sanic_chat.gateway")


async def went_offline(app: Sanic, user_id: UUID) -> None:
    # Runs while the socket is torn down, possibly during shutdown: a failure here must not
    # turn a closed connection into an error.
    try:
        if await app.ctx.broker.disconnected(user_id):
            await announce_presence(app, user_id, "offline")
    except (Exception, asyncio.CancelledError) as exc:
        log.warning("offline presence of %s not announced: %r", user_id, exc)


async def announce_presence(app: Sanic, user_id: UUID, status: str) -> None:
    contacts = await await_all(app.ctx.plugins.hook.chat_contacts(app=app, user_id=user_id))
    audience: set[UUID] = set().union(*contacts) - {user_id}
    if audience:
        event = Event("presence", {"userId": str(user_id), "status": status}, frozenset(audience))
        await app.ctx.events.publish(event)
