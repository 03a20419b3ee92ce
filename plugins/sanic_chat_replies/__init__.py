"""Replies plugin: a message may answer another of its room, and every message counts its replies.

Works the same for every kind of room (groups, conversations, a plugin's own kinds): it adds a
`replyTo` send field, `replyTo` and `replyCount` view fields, and a thread route beside each
kind's message routes. See docs/replies.md.
"""

from __future__ import annotations

from sanic_chat import hookimpl


@hookimpl
def chat_register_models():
    return ["sanic_chat_replies.models"]


@hookimpl
def chat_register_send_fields():
    from .schemas import SEND_FIELDS

    return SEND_FIELDS


@hookimpl
def chat_register_view_fields():
    from .schemas import VIEW_FIELDS

    return VIEW_FIELDS


@hookimpl
def chat_register_blueprints(app):
    from .routes import replies_blueprint

    return [replies_blueprint(room.kind, room.messages.payloads.page) for room in app.ctx.rooms]


@hookimpl
async def chat_check_send_fields(draft, app):
    from .service import check_reply

    await check_reply(app, draft)


@hookimpl
async def chat_message_stored(message, draft):
    from .service import record_reply

    await record_reply(message, draft)


@hookimpl
async def chat_fill_message_views(kind, views, draft, sent_fields, amended_by):
    from .service import fill_views

    await fill_views(kind, views, draft, sent_fields, amended_by)


@hookimpl
def chat_configure_app(app):
    from .service import on_event

    # Subscribed after the WebSocket relay: a reply's create event goes out before the
    # republished parent that counts it.
    app.ctx.events.subscribe(lambda event: on_event(app, event))
