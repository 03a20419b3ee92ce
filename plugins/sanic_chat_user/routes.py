from sanic import Blueprint, Request
from sanic_ext import openapi

from sanic_chat import authenticated, query_args, responds
from sanic_chat.plugin import reply

from . import service
from .schemas import PublicUser, UserOut, UserSearchQuery, UserSearchResult


def user_blueprint() -> Blueprint:
    bp = Blueprint("user", url_prefix="/api/user")

    @bp.get("/search")
    @openapi.definition(summary="Find users by username prefix", tag="user")
    @responds(200, UserSearchResult, "Matching users")
    @authenticated
    @query_args(UserSearchQuery)
    async def search(request: Request, query: UserSearchQuery):
        users = await service.search_users(query.username, query.limit)
        return reply(UserSearchResult(users=[PublicUser.model_validate(u) for u in users]))

    @bp.get("/me")
    @openapi.definition(summary="The signed-in user", tag="user")
    @responds(200, UserOut, "The current user")
    @authenticated
    async def me(request: Request):
        user = await service.get_user(request.ctx.user.id)
        return reply(UserOut.model_validate(user))

    return bp
