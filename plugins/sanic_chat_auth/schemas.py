"""Auth payloads (the seed's UserRegisterDto, UserLoginDto, UserLoginResponseDto, ...)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from sanic_chat.plugin import WHITESPACE, CamelModel, at_most
from sanic_chat_user.schemas import Username, UserOut

# Deliberately loose: the one real check of an address is a mail reaching it. Spelled with an
# explicit whitespace class so that it means the same here and in the OpenAPI document; the
# surrounding whitespace it allows is what the field strips.
_PART = f"[^@\\x00{WHITESPACE}]+"
EMAIL_PATTERN = f"^[{WHITESPACE}]*{_PART}@{_PART}\\.{_PART}[{WHITESPACE}]*$"

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
    at_most(254),
    Field(description="Email address; case-insensitive."),
]
Password = Annotated[
    str,
    Field(min_length=8, max_length=128, description="8-128 characters."),
]


class RegisterRequest(CamelModel):
    email: Email
    username: Username
    password: Password


class LoginRequest(CamelModel):
    """Sign in with `email` or `username` (one of them) and the password."""

    # The document states the rule `_one_identifier` enforces (a null counts as absent).
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("email", "username")
            ]
        }
    )

    email: Email | None = None
    username: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_lower=True, max_length=32),
            at_most(32),
        ]
        | None
    ) = None
    password: Annotated[str, Field(min_length=1, max_length=128)]

    @model_validator(mode="after")
    def _one_identifier(self) -> LoginRequest:
        if (self.email is None) == (self.username is None):
            raise ValueError("give exactly one of email or username")
        return self

    @property
    def identifier(self) -> str:
        return self.email or self.username or ""


class RefreshRequest(CamelModel):
    refresh_token: str | None = Field(
        None, description="Omit to use the `refreshToken` cookie set at login."
    )


class TokenPair(CamelModel):
    access_token: str
    refresh_token: str
    expires_in: int = Field(description="Seconds until the access token expires.")


class LoginResponse(TokenPair):
    user: UserOut
