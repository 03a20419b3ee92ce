"""Resume: what a client that reconnects with `?since=<cursor>` is sent before live events."""

from __future__ import annotations

from sanic import Sanic

from . import metrics
from .awaitables import await_all
from .hub import Connection, encode_event, encode_frame


async def replay(app: Sanic, connection: Connection, since: int) -> None:
    """Send the message events missed after `since`, then release the held live ones.

    Every room kind is read in one snapshot: a change in one kind committed between two
    separate reads could otherwise be skipped while a later one in another kind is replayed.
    """
    limit = app.ctx.settings.resume_max_events
    async with app.ctx.changes.snapshot():
        contributions = await await_all(
            app.ctx.plugins.hook.chat_changes_since(
                app=app, user_id=connection.user_id, since=since, limit=limit + 1
            )
        )
    events = [event for contribution in contributions for event in contribution]
    events.sort(key=lambda event: event.cursor or 0)
    if len(events) > limit:
        # Too much to replay: say so, and let the client reload through REST.
        metrics.resyncs.labels("gap_too_large").inc()
        connection.send(encode_frame("resync", {"reason": "gap_too_large"}))
        connection.release_live_events(None)
        return
    for event in events:
        await connection.send_waiting(encode_event(event))
    connection.release_live_events(events[-1].cursor if events else since)
