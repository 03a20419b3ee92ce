"""Reactions: members react to a message with an emoji, in every kind of room.

One reaction per user per emoji; a change is a change of its message, with a cursor, so live
events and resume carry it. Every message view gets `reactions: [{emoji, count, me}]`.
"""

from __future__ import annotations

from sanic_chat import hookimpl

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_reactions.models"]


@hookimpl
def chat_register_view_fields():
    from .schemas import VIEW_FIELDS

    return VIEW_FIELDS


@hookimpl
async def chat_fill_message_views(app, viewer_id, views, draft, amended_by):
    if draft is not None:  # just stored: no reaction can refer to it yet
        return
    await app.ctx.reactions.fill(views, viewer_id, amended_by)


@hookimpl
def chat_register_blueprints(app):
    from .routes import reactions_blueprint

    # Every kind of room is known by now, a plugin's own included.
    return [reactions_blueprint(room.kind) for room in app.ctx.rooms]


@hookimpl
def chat_register_commands():
    from .commands import COMMANDS

    return COMMANDS


@hookimpl
def chat_configure_app(app):
    from .service import ReactionService

    app.ctx.reactions = ReactionService(app)
