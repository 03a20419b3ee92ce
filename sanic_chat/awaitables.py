"""Hooks and callbacks may be plain functions or coroutines; callers await both the same way."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any


async def await_me_maybe(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def first_answer(answers: Iterable[Any]) -> Any:
    """The first non-None of hook answers that may be awaitables, each awaited before the next.

    A hook whose spec says `firstresult` hands over its answers lazily (see
    `plugins.ChatPluginManager`): an implementation is called only once every one before it
    has answered None, so a fallback that would raise never runs when a plugin answers, and no
    coroutine is created only to be dropped. A plain list (every implementation already
    called) is accepted too; its unread coroutines are closed.
    """
    answers = iter(answers)
    for result in answers:
        try:
            answer = await await_me_maybe(result)
        except BaseException:
            _close(answers)
            raise
        if answer is not None:
            _close(answers)
            return answer
    return None


async def await_all(results: Iterable[Any]) -> list[Any]:
    """Every hook result, awaited in order. If one fails, the rest are closed unawaited (or,
    from a lazy hook call, never called)."""
    results = iter(results)
    answers = []
    for result in results:
        try:
            answers.append(await await_me_maybe(result))
        except BaseException:
            _close(results)
            raise
    return answers


def _close(results: Iterable[Any]) -> None:
    """Close coroutines that will never be awaited, so they do not warn."""
    if inspect.isgenerator(results):
        results.close()  # a lazy hook call: what is not read is never called
        return
    for result in results:
        if inspect.iscoroutine(result):
            result.close()
