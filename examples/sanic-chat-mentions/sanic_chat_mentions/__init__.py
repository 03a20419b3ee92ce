"""Mentions: a message naming a member of its room as `@username` tells that member."""

from sanic_chat import hookimpl

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_mentions.models"]


@hookimpl
def chat_register_blueprints():
    from .routes import mentions_blueprint

    return [mentions_blueprint()]


@hookimpl
def chat_register_commands():
    from .commands import COMMANDS

    return COMMANDS


@hookimpl
def chat_configure_app(app):
    from .service import record_mentions

    # Subscribed here, not through `chat_event_published`: publishing needs this app.
    app.ctx.events.subscribe(lambda event: record_mentions(app, event))
