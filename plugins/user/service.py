"""User rules and storage: the only code that writes the `users` table."""

from __future__ import annotations

from uuid import UUID

from tortoise.exceptions import IntegrityError

from sanic_chat import Conflict, NotFound

from .models import User


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


async def search_users(prefix: str, limit: int) -> list[User]:
    """Users whose username starts with `prefix` (already lower-cased), exact match first.

    Served by the `varchar_pattern_ops` index on `users.username`, so the cost follows the
    number of matches returned, not the number of users.
    """
    users = (
        await User.filter(username__startswith=prefix)
        .order_by("username")
        .limit(limit)
        .only("id", "username", "created_at")
    )
    # Lexical order already puts an exact match first: it is the shortest string with the prefix.
    return users
