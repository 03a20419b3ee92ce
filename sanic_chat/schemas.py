"""The base of every payload schema: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sanic.response import HTTPResponse, json


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)

    def dump(self) -> dict[str, Any]:
        """The JSON-ready dict clients receive."""
        return self.model_dump(mode="json", by_alias=True)


def reply(payload: CamelModel, status: int = 200, **kwargs: Any) -> HTTPResponse:
    return json(payload.dump(), status=status, **kwargs)
