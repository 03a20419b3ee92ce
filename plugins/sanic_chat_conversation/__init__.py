"""Conversation plugin: one-to-one conversations, their messages, and their events."""

from __future__ import annotations

from uuid import UUID

from sanic_chat import hookimpl

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_conversation.models"]


@hookimpl
def chat_register_blueprints():
    from .routes import conversation_blueprint

    return [conversation_blueprint()]


@hookimpl
def chat_register_commands():
    from .commands import COMMANDS

    return COMMANDS


@hookimpl
def chat_configure_app(app):
    from .service import ConversationService

    app.ctx.conversations = ConversationService(app)


@hookimpl
async def chat_changes_since(app, user_id, since, limit):
    return await app.ctx.conversations.changes_since(user_id, since, limit)


@hookimpl
async def chat_room_members(app, room_type, room_id, user_id):
    if room_type != "conversation":
        return None
    return await app.ctx.conversations.members_if_member(UUID(room_id), user_id)


@hookimpl
async def chat_contacts(app, user_id):
    return await app.ctx.conversations.contacts(user_id)
