"""Auth plugin: accounts, JWT access and refresh tokens, and request authentication.

Essential: it answers `chat_authenticate` for every other plugin's protected routes and for the
WebSocket handshake.
"""

from __future__ import annotations

from sanic import Request

from sanic_chat import hookimpl

from .service import CurrentUser

# The plugins this one needs: their migrations run first, their models are referred to.
requires = ("user",)


@hookimpl
def chat_register_models():
    return ["sanic_chat_auth.models"]


@hookimpl
def chat_register_blueprints():
    from .routes import auth_blueprint

    return [auth_blueprint()]


@hookimpl
def chat_configure_app(app, settings):
    from .ratelimit import MemoryLimiter, RedisLimiter
    from .service import AuthService

    limiter = MemoryLimiter()
    if settings.redis_url:
        limiter = RedisLimiter(settings.redis_url, settings.redis_namespace, fallback=limiter)

        @app.after_server_stop
        async def close_limiter(app):
            await limiter.close()

    app.ctx.auth = AuthService(settings, limiter)


@hookimpl(trylast=True)
def chat_authenticate(request: Request) -> CurrentUser | None:
    token = access_token_of(request)
    if token is None:
        return None
    auth = request.app.ctx.auth
    if _is_websocket(request):
        # A connection lives on for hours after one handshake: ask once that its user exists.
        # A REST request trusts its token alone (no query per request): a deleted user is a
        # member of nothing, and a write that would refer to them answers 401 itself.
        return auth.existing_user(token)
    return auth.current_user(token)


def _is_websocket(request: Request) -> bool:
    return request.headers.get("upgrade", "").lower() == "websocket"


def access_token_of(request: Request) -> str | None:
    """The bearer token of a request. A WebSocket handshake may also use `?token=` (browsers
    cannot set headers there) or the seed's `token` header; plain HTTP may not, since URLs end
    up in logs."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if _is_websocket(request):
        return request.args.get("token") or request.headers.get("token") or None
    return None
