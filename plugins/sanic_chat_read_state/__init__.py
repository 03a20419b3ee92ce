"""Read-state plugin: how far each member has read each room, and how much waits unread.

For every kind of room: `POST <room>/read` and the `<kind>.read.mark` command move a member's
position forward; room lists and the `ready` frame carry `unreadCount` and `lastReadMessageId`;
the reader's devices get `<kind>.read.update` and, where receipts are on, the other members
`<kind>.receipt.update`. Counters kept on the message tables make the counts, so reading them
never scans a room's history (docs/read-state.md).
"""

from __future__ import annotations

from sanic_chat import hookimpl

requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_read_state.models"]


@hookimpl
def chat_register_blueprints(app):
    from .routes import read_state_blueprint

    return [read_state_blueprint(app.ctx.rooms)]


@hookimpl
def chat_register_commands(app):
    from .commands import mark_commands

    return mark_commands(app.ctx.rooms)


@hookimpl
def chat_configure_app(app, settings):
    from .counters import install_counters
    from .service import ReadState

    app.ctx.read_state = ReadState(app, settings)
    install_counters(app)


@hookimpl
def chat_register_summary_fields():
    from .schemas import SUMMARY_FIELDS

    return SUMMARY_FIELDS


@hookimpl
async def chat_room_summary_fields(app, kind, user_id, room_ids):
    return await app.ctx.read_state.summary_fields(kind, user_id, room_ids)


@hookimpl
async def chat_ready_data(app, user_id):
    return {"readState": await app.ctx.read_state.ready(user_id)}
