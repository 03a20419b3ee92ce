from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty
from sanic_ext import openapi

from sanic_chat import Conflict, Unauthorized, json_body, responds
from sanic_chat.plugin import ERROR_DESCRIPTIONS, reply
from sanic_chat_user.schemas import UserOut

from .schemas import LoginRequest, LoginResponse, RefreshRequest, RegisterRequest, TokenPair
from .service import AuthService, Session

COOKIE = "refreshToken"
COOKIE_PATH = "/api/auth"


def auth_blueprint() -> Blueprint:
    bp = Blueprint("auth", url_prefix="/api/auth")

    def service(request: Request) -> AuthService:
        return request.app.ctx.auth

    @bp.post("/register")
    @openapi.definition(summary="Create an account", tag="auth")
    @responds(
        201,
        UserOut,
        "The new user",
        # The example; `email_taken` when the email is.
        errors={409: Conflict("That username is already registered.", code="username_taken")},
    )
    @json_body(RegisterRequest)
    async def register(request: Request, body: RegisterRequest):
        user = await service(request).register(body.email, body.username, body.password)
        return reply(UserOut.model_validate(user), status=201)

    @bp.post("/login")
    @openapi.definition(
        summary="Sign in",
        description="Returns a token pair; the refresh token is also set as an httpOnly cookie "
        "scoped to /api/auth. Repeated failures answer 429 for a while.",
        tag="auth",
    )
    @responds(
        200,
        LoginResponse,
        "Signed in",
        errors={
            401: Unauthorized("Wrong credentials.", code="invalid_credentials"),
            429: ERROR_DESCRIPTIONS[429],
        },
    )
    @json_body(LoginRequest)
    async def login(request: Request, body: LoginRequest):
        user, session = await service(request).login(
            body.email, body.username, body.password, client_address(request)
        )
        payload = LoginResponse(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
            user=UserOut.model_validate(user),
        )
        return with_refresh_cookie(reply(payload), session, request)

    @bp.post("/refresh-token")
    @openapi.definition(
        summary="Rotate the refresh token",
        description="Takes the refresh token from the body or the cookie. Each refresh token "
        "works once; presenting a used one revokes the whole session.",
        tag="auth",
    )
    @responds(
        200,
        TokenPair,
        "A new token pair",
        errors={401: "Missing, expired, used or revoked refresh token"},
    )
    @json_body(RefreshRequest)
    async def refresh_token(request: Request, body: RefreshRequest):
        token = body.refresh_token or request.cookies.get(COOKIE)
        if not token:
            raise Unauthorized("No refresh token in the body or cookie.", code="missing_token")
        session = await service(request).rotate(token)
        payload = TokenPair(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
        )
        return with_refresh_cookie(reply(payload), session, request)

    @bp.post("/logout")
    @openapi.definition(
        summary="Sign out",
        description="Revokes the refresh token's session (body or cookie) and clears the "
        "cookie. Always 204, so it is safe to repeat.",
        tag="auth",
    )
    @responds(204, None, "Signed out")
    @json_body(RefreshRequest)
    async def logout(request: Request, body: RefreshRequest):
        token = body.refresh_token or request.cookies.get(COOKIE)
        if token:
            await service(request).logout(token)
        return refresh_cookie(empty(), request, "", max_age=0)

    return bp


def client_address(request: Request) -> str:
    """The address sign-in limits count: the client's, as the trusted proxy reports it when
    Sanic is told about the proxy (`PROXIES_COUNT`, `REAL_IP_HEADER` or `FORWARDED_SECRET`);
    else the peer's. Forwarded headers are never trusted unasked: a client could pick its own.
    """
    return request.remote_addr or request.ip


def with_refresh_cookie(response: HTTPResponse, session: Session, request: Request) -> HTTPResponse:
    return refresh_cookie(
        response, request, session.refresh_token, max_age=session.refresh_expires_in
    )


def refresh_cookie(
    response: HTTPResponse, request: Request, value: str, max_age: int
) -> HTTPResponse:
    """Set the refresh-token cookie; `max_age=0` clears it.

    Setting and clearing share every attribute: over plain HTTP a browser ignores a Secure
    cookie, so a Secure clearing cookie would leave a non-Secure sign-in cookie in place.
    """
    response.add_cookie(
        COOKIE,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.app.ctx.settings.cookie_secure,
        max_age=max_age,
    )
    return response
