"""The authentication guard that every plugin's protected routes reuse.

Who a request's user is gets decided by the `chat_authenticate` hook (the auth plugin verifies
access tokens); this module only asks the hook and refuses requests it cannot answer for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from sanic import Request
from sanic_ext import openapi

from .awaitables import first_answer
from .errors import Unauthorized
from .openapi import keep_docs

F = TypeVar("F", bound=Callable[..., Any])


async def authenticate(request: Request) -> Any:
    """Return the request's user, or raise Unauthorized."""
    hook = request.app.ctx.plugins.hook.chat_authenticate
    user = await first_answer(hook(request=request))
    if user is None:
        raise Unauthorized(
            "Send `Authorization: Bearer <access token>`.",
            code="missing_token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def user_gone() -> Unauthorized:
    """For a valid token whose user has been deleted since it was issued."""
    return Unauthorized(
        "The token's user no longer exists.",
        code="user_deleted",
        headers={"WWW-Authenticate": "Bearer"},
    )


def authenticated(handler: F) -> F:
    """Require an authenticated user, available to the handler as `request.ctx.user`."""

    @wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
        request.ctx.user = await authenticate(request)
        return await handler(request, *args, **kwargs)

    guarded = keep_docs(guarded, handler)
    return openapi.secured("bearer")(guarded)
