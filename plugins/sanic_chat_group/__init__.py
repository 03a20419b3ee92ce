"""Group plugin: groups with an owner and members, a kind of room whose owner may delete."""

from __future__ import annotations

from sanic_chat import hookimpl

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_group.models"]


@hookimpl
def chat_register_room_kinds():
    from .room import GROUP

    return [GROUP]


@hookimpl
def chat_configure_app(app, settings):
    from .service import GroupService

    app.ctx.groups = GroupService(app)
    if settings.is_sqlite:
        from .counts import install_sqlite_counts

        install_sqlite_counts(app)
