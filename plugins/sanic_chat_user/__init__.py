"""User plugin: the user model, user search and the current user's profile.

Essential: every other feature refers to users, so it cannot be disabled.
"""

from sanic_chat import hookimpl


@hookimpl
def chat_register_models():
    return ["sanic_chat_user.models"]


@hookimpl
def chat_register_blueprints():
    from .routes import user_blueprint

    return [user_blueprint()]


@hookimpl
async def chat_ready_data(user_id):
    from . import service
    from .schemas import UserOut

    return {"user": UserOut.model_validate(await service.get_user(user_id)).dump()}
