"""Signing and checking JWTs: HS256 only, separate secrets for access and refresh tokens.

The algorithm is pinned on decode, so `alg: none` or an RS/HS confusion is refused, and every
token names its type, so a refresh token never passes as an access token or the reverse.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from uuid import UUID, uuid4

import jwt

from sanic_chat import Unauthorized

ALGORITHM = "HS256"
ACCESS, REFRESH = "access", "refresh"
REQUIRED_CLAIMS = ["sub", "exp", "iat", "jti", "typ"]


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: UUID
    token_id: UUID
    expires_at: int


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    claims: Claims


class TokenSigner:
    """Issues and verifies one type of token.

    `remember` > 0 keeps that many recently verified tokens: a client presents the same access
    token on every request, and checking its signature and decoding it again is a seventh of
    a request's CPU. A token's validity depends on nothing but its bytes and the clock, so a
    remembered token only has its expiry checked again. Refresh tokens are used once: their
    signer remembers none.
    """

    def __init__(self, secret: str, token_type: str, lifetime: int, remember: int = 0) -> None:
        self._secret = secret
        self._type = token_type
        self.lifetime = lifetime
        self._checked = functools.lru_cache(maxsize=remember)(self._check) if remember else None

    def issue(self, user_id: UUID, token_id: UUID | None = None) -> IssuedToken:
        now = time.time()
        # Whole seconds, rounded up: a token lives at least the `expiresIn` its client is told
        # (truncating would cut up to a second off, and a client refreshing late in a short
        # lifetime would be refused).
        claims = Claims(user_id, token_id or uuid4(), math.ceil(now + self.lifetime))
        payload = {
            "sub": str(claims.user_id),
            "jti": str(claims.token_id),
            "iat": int(now),
            "exp": claims.expires_at,
            "typ": self._type,
        }
        return IssuedToken(jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims)

    def verify(self, token: str) -> Claims:
        """Return the claims of a valid token of this signer's type, or raise Unauthorized."""
        if self._checked is None:
            return self._check(token)
        claims = self._checked(token)
        if claims.expires_at <= time.time():  # as PyJWT decides expiry, without leeway
            raise Unauthorized(f"The {self._type} token has expired.", code="token_expired")
        return claims

    def _check(self, token: str) -> Claims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized(
                f"The {self._type} token has expired.", code="token_expired"
            ) from None
        except jwt.PyJWTError:
            raise Unauthorized(
                f"The {self._type} token is not valid.", code="invalid_token"
            ) from None
        if payload.get("typ") != self._type:
            raise Unauthorized(f"This is not an {self._type} token.", code="invalid_token")
        try:
            return Claims(UUID(payload["sub"]), UUID(payload["jti"]), int(payload["exp"]))
        except (TypeError, ValueError):
            raise Unauthorized(
                f"The {self._type} token is not valid.", code="invalid_token"
            ) from None
