"""The base of every payload schema: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError
from sanic.response import HTTPResponse, json

# What `strip_whitespace` removes (Unicode White_Space, as pydantic's Rust core trims), spelled
# out so that a pattern means the same to pydantic, to JavaScript and to Python's `re`: their
# `\s` classes differ (U+0085, U+FEFF).
WHITESPACE = "\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Documents a stripped `min_length=1` text: something besides whitespace, and no NUL.
NOT_BLANK = f"^[^\\x00]*[^\\x00{WHITESPACE}][^\\x00]*$"


def at_most(max_length: int) -> BeforeValidator:
    """Hold a trimmed field's length limit before the trim as well.

    `strip_whitespace` trims before `max_length` is checked, so a padded string longer than the
    limit passed while the OpenAPI document (whose `maxLength` applies to what is sent) said
    it would not.
    """

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        return value

    return BeforeValidator(check)


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-ready dict clients receive."""
        return self.model_dump(mode="json", by_alias=True)


def reply(payload: CamelModel, status: int = 200, **kwargs: Any) -> HTTPResponse:
    return json(payload.dump(), status=status, **kwargs)
