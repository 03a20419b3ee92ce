"""Request validation at the edge: typed pydantic schemas run through sanic-ext's `validate`.

sanic-ext reduces a pydantic failure to one line of text; clients need to know which field is
wrong, so the check itself is ours and raises `ValidationFailed` with per-field errors. Each
decorator also documents what it validates in the OpenAPI document.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sanic import Request
from sanic_ext import openapi, validate

from .errors import ValidationFailed
from .messages import LAST_ID
from .openapi import json_content, keep_docs, query_parameters

M = TypeVar("M", bound=BaseModel)

# Levels of arrays and objects a body or frame may nest: far more than any payload here needs.
MAX_DEPTH = 64
# A message id or a cursor: ASCII digits only (`str.isdigit` also takes "²" and other scripts'
# digits, which `int` then refuses), and no larger than a bigint holds.
_POSITION = re.compile(r"[0-9]{1,19}")
F = TypeVar("F", bound=Callable[..., Any])


def parse(model: type[M], data: Any, location: str = "body") -> M:
    """Validate `data` against `model`, raising ValidationFailed with per-field errors."""
    # The nesting is bounded before anything walks the body recursively.
    _strings(data, location)
    try:
        parsed = model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(
            f"The request {location} is invalid.", errors=field_errors(exc, location)
        ) from None
    # PostgreSQL text cannot hold U+0000: refused here rather than failing in the database.
    # Only in what the model kept: unknown fields are ignored, whatever they hold.
    kept = _strings(parsed.model_dump(by_alias=True), location)
    nul_fields = [path for path, text in kept if "\x00" in text]
    if nul_fields:
        raise ValidationFailed(
            f"The request {location} is invalid.",
            errors=[
                {"field": field, "message": "contains a NUL character"} for field in nul_fields
            ],
        )
    return parsed


def _strings(data: Any, location: str) -> list[tuple[str, str]]:
    """The strings in `data` with their paths, in document order.

    A walk with its own stack, bounded by MAX_DEPTH: orjson parses up to 1,024 levels, and a
    recursive walk ran out of Python's stack (a RecursionError, a 500) on a small hostile body.
    """
    found = []
    pending: list[tuple[Any, str, int]] = [(data, location, 0)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            found.append((path, value))
            continue
        if isinstance(value, dict):
            children = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            continue
        if depth == MAX_DEPTH:
            raise ValidationFailed(
                f"The request {location} is nested too deeply.",
                code="too_deeply_nested",
                errors=[{"field": location, "message": f"nested over {MAX_DEPTH} levels"}],
            )
        # Reversed onto the stack, so they come off in document order.
        pending.extend((child, f"{path}.{key}", depth + 1) for key, child in reversed(children))
    return found


def field_errors(exc: PydanticValidationError, location: str) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in (location, *error["loc"]))
        errors.append({"field": _printable(path), "message": _printable(error["msg"])})
    return errors


def _printable(text: str) -> str:
    """`text` with control characters escaped: pydantic's messages quote the input, and a
    problem document never carries a NUL or a line break it was sent."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def json_body(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the JSON body into `model`, passed to the handler as `body`."""

    def check(request: Request, data: Any, handler_kwargs: dict[str, Any]) -> None:
        # No body at all reads as an empty object: the schema decides what is required. A JSON
        # `null` is a body, and not an object.
        handler_kwargs["body"] = parse(model, data if request.body else {}, "body")

    def decorator(handler: F) -> F:
        handler = keep_docs(validate(json=check)(handler), handler)
        # A body without required fields may be left out (logout and refresh use the cookie).
        required = any(field.is_required() for field in model.model_fields.values())
        content = {"application/json": json_content(model, request=True)}
        return openapi.body(content, required=required)(handler)

    return decorator


def query_args(model: type[BaseModel]) -> Callable[[F], F]:
    """Validate the query string into `model`, passed to the handler as `query`."""

    def check(request: Request, data: Any, handler_kwargs: dict[str, Any]) -> None:
        # `?limit=` is a value, and not a number: Sanic's `request.args` would drop it silently.
        data = request.get_args(keep_blank_values=True)
        flat = {key: values[0] if len(values) == 1 else values for key, values in data.items()}
        handler_kwargs["query"] = parse(model, flat, "query")

    def decorator(handler: F) -> F:
        handler = keep_docs(validate(query=check)(handler), handler)
        for parameter in query_parameters(model):
            handler = openapi.parameter(**parameter)(handler)
        return handler

    return decorator


def parse_id(value: str, name: str) -> UUID:
    """A UUID from a path segment; anything else is a 422 naming the segment, never a 500."""
    # ASCII only: `UUID` reads its hex digits with `int`, which also takes other scripts'
    # digits, and one group would have many paths.
    if value.isascii():
        with contextlib.suppress(ValueError):
            return UUID(value)
    raise ValidationFailed(
        f"{name} must be a UUID.", errors=[{"field": f"path.{name}", "message": "not a UUID"}]
    )


def parse_position(text: str) -> int | None:
    """A message id or cursor as written in a path or query; None when it is not one."""
    if not _POSITION.fullmatch(text):
        return None
    position = int(text)
    return position if position <= LAST_ID else None


# What `parse_message_id` accepts, for the OpenAPI document.
MESSAGE_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": LAST_ID}


def parse_message_id(value: str) -> int:
    message_id = parse_position(value)
    if message_id is not None:
        return message_id
    raise ValidationFailed(
        "messageId must be a message id.",
        errors=[{"field": "path.messageId", "message": "not a message id"}],
    )
