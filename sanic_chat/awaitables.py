"""Hooks and callbacks may be plain functions or coroutines; callers await both the same way."""

from __future__ import annotations

import inspect
from typing import Any


async def await_me_maybe(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value
