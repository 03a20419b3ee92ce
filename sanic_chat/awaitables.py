"""Hooks and callbacks may be plain functions or coroutines; callers await both the same way."""

from __future__ import annotations

import inspect
from typing import Any


async def await_me_maybe(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def first_answer(results: list[Any]) -> Any:
    """The first non-None of hook results that may be awaitables, awaited in order.

    pluggy's `firstresult` would stop at the first coroutine object, answer or not, so hooks
    that may be async collect every result and the caller picks here.
    """
    answer = None
    for index, result in enumerate(results):
        try:
            answer = await await_me_maybe(result)
        except BaseException:
            _close(results[index + 1 :])
            raise
        if answer is not None:
            _close(results[index + 1 :])
            return answer
    return None


async def await_all(results: list[Any]) -> list[Any]:
    """Every hook result, awaited in order. If one fails, the rest are closed unawaited."""
    answers = []
    for index, result in enumerate(results):
        try:
            answers.append(await await_me_maybe(result))
        except BaseException:
            _close(results[index + 1 :])
            raise
    return answers


def _close(results: list[Any]) -> None:
    """Close coroutines that will never be awaited, so they do not warn."""
    for result in results:
        if inspect.iscoroutine(result):
            result.close()
