"""Conversation plugin: one-to-one conversations, a kind of room of exactly two members."""

from __future__ import annotations

from sanic_chat import hookimpl

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_conversation.models"]


@hookimpl
def chat_register_room_kinds():
    from .room import CONVERSATION

    return [CONVERSATION]


@hookimpl
def chat_configure_app(app):
    from .service import ConversationService

    app.ctx.conversations = ConversationService(app)
