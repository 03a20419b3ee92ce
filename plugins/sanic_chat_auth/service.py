"""Registration, sign-in and the refresh-token life cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID, uuid4

from sanic_chat import TooManyRequests, Unauthorized, transaction
from sanic_chat.plugin import Settings, user_gone
from sanic_chat_user import service as users
from sanic_chat_user.models import User

from .models import RefreshToken
from .passwords import Passwords
from .ratelimit import Limiter, LoginLimits
from .tokens import ACCESS, REFRESH, TokenSigner


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """Who an access token speaks for. Built from the token alone: no query per request."""

    id: UUID


@dataclass(frozen=True, slots=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


# About a megabyte at most: one entry per active client of this worker.
VERIFIED_ACCESS_TOKENS = 4096


class AuthService:
    def __init__(self, settings: Settings, limiter: Limiter) -> None:
        self.passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)
        self.access = TokenSigner(
            settings.jwt_access_secret,
            ACCESS,
            settings.jwt_access_expires_in,
            remember=VERIFIED_ACCESS_TOKENS,
        )
        self.refresh = TokenSigner(
            settings.refresh_token_secret, REFRESH, settings.jwt_refresh_expires_in
        )
        self._limits = LoginLimits(settings)
        self._limiter = limiter

    async def register(self, email: str, username: str, password: str) -> User:
        return await users.create_user(email, username, await self.passwords.hash(password))

    async def login(
        self, email: str | None, username: str | None, password: str, address: str
    ) -> tuple[User, Session]:
        user = await users.find_for_login(email, username)
        # Counted per account whichever identifier was typed. An unknown identifier is counted
        # by its text, under the same limits, so probing names is limited alike and the answers
        # do not tell which names exist.
        if user is not None:
            account = f"user:{user.id}"
        else:
            account = f"email:{email}" if email is not None else f"username:{username}"
        attempt = self._limits.attempt(account, address)
        # Before the slow password check: concurrent guesses each need a free slot.
        retry_after = await self._limiter.reserve(attempt)
        if retry_after:
            raise TooManyRequests(
                "Too many failed sign-ins; try again later.",
                code="login_rate_limited",
                headers={"Retry-After": str(retry_after)},
            )

        if user is None:
            await self.passwords.burn(password)
        if user is None or not await self.passwords.verify(user.password_hash, password):
            # The attempt keeps its slots: they are the failure count.
            raise Unauthorized("Wrong credentials.", code="invalid_credentials")

        await self._limiter.succeeded(attempt)
        if self.passwords.needs_rehash(user.password_hash):
            await users.set_password_hash(user, await self.passwords.hash(password))
        return user, await self._start_session(user.id, family_id=uuid4())

    async def rotate(self, refresh_token: str) -> Session:
        """Exchange a refresh token for a new pair; a reused token revokes its whole family."""
        claims = self.refresh.verify(refresh_token)
        now = datetime.now(timezone.utc)
        async with transaction():
            claimed = await RefreshToken.filter(
                id=claims.token_id, used_at=None, revoked_at=None
            ).update(used_at=now)
            stored = await RefreshToken.get_or_none(id=claims.token_id)
            if stored is not None and claimed:
                return await self._start_session(stored.user_id, family_id=stored.family_id)
        if stored is None:
            raise Unauthorized("Unknown refresh token.", code="invalid_token")
        # Outside the transaction above: the revocation must stay when the refusal is raised.
        await self._revoke_family(stored.family_id, now)
        if stored.used_at is not None:
            raise Unauthorized(
                "This refresh token was already used; the session is revoked.",
                code="refresh_token_reused",
            )
        raise Unauthorized("This refresh token was revoked.", code="refresh_token_revoked")

    async def logout(self, refresh_token: str) -> None:
        """Revoke the session the token belongs to. Unknown or bad tokens change nothing."""
        try:
            claims = self.refresh.verify(refresh_token)
        except Unauthorized:
            return
        stored = await RefreshToken.get_or_none(id=claims.token_id)
        if stored is not None:
            await self._revoke_family(stored.family_id, datetime.now(timezone.utc))

    def current_user(self, access_token: str) -> CurrentUser:
        return CurrentUser(self.access.verify(access_token).user_id)

    async def existing_user(self, access_token: str) -> CurrentUser:
        """`current_user`, and 401 when the token's user has been deleted since."""
        user = self.current_user(access_token)
        if not await User.exists(id=user.id):
            raise user_gone()
        return user

    async def _start_session(self, user_id: UUID, family_id: UUID) -> Session:
        access = self.access.issue(user_id)
        refresh = self.refresh.issue(user_id)
        await RefreshToken.create(
            id=refresh.claims.token_id,
            family_id=family_id,
            user_id=user_id,
            expires_at=datetime.fromtimestamp(refresh.claims.expires_at, timezone.utc),
        )
        return Session(access.token, refresh.token, self.access.lifetime, self.refresh.lifetime)

    async def _revoke_family(self, family_id: UUID, now: datetime) -> None:
        await RefreshToken.filter(family_id=family_id, revoked_at=None).update(revoked_at=now)
