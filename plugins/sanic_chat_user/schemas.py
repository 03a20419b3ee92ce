"""User payloads. JSON names are camelCase (the seed's clients); Python stays snake_case."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

from sanic_chat.plugin import NOT_BLANK, CamelModel, at_most

USERNAME_PATTERN = r"^[A-Za-z0-9_.]+$"

# Usernames are case-insensitive: accepted in any case, stored and shown lower-cased.
Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=3, max_length=32, pattern=USERNAME_PATTERN
    ),
    at_most(32),
    Field(description="3-32 characters: letters, digits, `_` and `.`; case-insensitive."),
]


class PublicUser(CamelModel):
    """What any signed-in user may learn about another."""

    id: UUID
    username: str
    created_at: datetime


class UserOut(PublicUser):
    """A user as they see themselves."""

    email: str


class UserSearchQuery(CamelModel):
    username: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=32),
        at_most(32),
        Field(
            description="Case-insensitive prefix of the usernames to find.",
            json_schema_extra={"pattern": NOT_BLANK},
        ),
    ]
    limit: int = Field(20, ge=1, le=50, description="At most this many users (1-50).")


class UserSearchResult(CamelModel):
    users: list[PublicUser] = Field(description="Matches, exact match first, then by username.")
