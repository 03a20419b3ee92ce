"""User rules and storage: the only code that writes the `users` table."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError

from sanic_chat import Conflict, NotFound
from sanic_chat.plugin import Dialect, dialect_of

from .models import User
from .schemas import USERNAME_PATTERN


async def create_user(email: str, username: str, password_hash: str) -> User:
    """Store a new user; 409 when the email or the username is taken."""
    try:
        return await User.create(email=email, username=username, password_hash=password_hash)
    except IntegrityError as exc:
        taken = "username" if "username" in str(exc) else "email"
        raise Conflict(f"That {taken} is already registered.", code=f"{taken}_taken") from None


async def get_user(user_id: UUID) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def find_for_login(email: str | None, username: str | None) -> User | None:
    if email is not None:
        return await User.get_or_none(email=email)
    return await User.get_or_none(username=username)


async def set_password_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    await user.save(update_fields=["password_hash"])


async def search_users(prefix: str, limit: int) -> list[dict[str, Any]]:
    """Users whose username starts with `prefix` (already lower-cased), exact match first.

    The usernames with a prefix are a range in byte order: from the prefix up to the prefix with
    its last character incremented, the prefix itself first. An index on `username COLLATE "C"`
    serves that range in that order, so a search reads as many index entries as it returns.
    (`LIKE $1` cannot: in a prepared statement's generic plan the prefix is unknown, and
    PostgreSQL walked the whole username index for prefixes late in the alphabet; see
    docs/performance.md.)
    """
    if not re.fullmatch(USERNAME_PATTERN, prefix):
        return []  # no username holds such a character (and the range below needs ASCII)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    connection = User._meta.db
    return await connection.execute_query_dict(
        search_statement(User._meta.db_table, dialect_of(connection)), [prefix, upper, limit]
    )


def search_statement(table: str, dialect: Dialect) -> str:
    """Users from $1 (the prefix) up to, not including, $2, in that order; at most $3."""
    # In byte order, as the index on `username COLLATE "C"` keeps them.
    username = dialect.byte_order("username")
    low, high, limit = (dialect.placeholder(n) for n in (1, 2, 3))
    return (
        f'SELECT id, username, created_at FROM "{table}"'
        f" WHERE {username} >= {low} AND {username} < {high}"
        f" ORDER BY {username} LIMIT {limit}"
    )
