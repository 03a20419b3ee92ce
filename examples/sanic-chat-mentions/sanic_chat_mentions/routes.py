from sanic import Blueprint, Request
from sanic.response import json

from sanic_chat import authenticated, responds

from . import service
from .schemas import MentionList


def mentions_blueprint() -> Blueprint:
    bp = Blueprint("mentions", url_prefix="/api/mentions")

    @bp.get("/")
    @responds(200, MentionList, "The signed-in user's mentions, newest first", errors=[401])
    @authenticated
    async def my_mentions(request: Request):
        return json({"mentions": await service.mentions_of(request.ctx.user.id)})

    return bp
