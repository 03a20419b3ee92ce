"""JSON in and out, one codec for HTTP bodies, WebSocket frames and broker messages.

orjson encodes a message event in a fifteenth of the standard library's time, and writes UUIDs
and datetimes itself (ISO 8601), so every path spells them the same way. It refuses integers
beyond 64 bits, which the standard library then encodes instead.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Non-string keys: the OpenAPI document keys responses by status code.
_OPTIONS = orjson.OPT_NON_STR_KEYS

loads = orjson.loads  # bytes or str; raises a ValueError (JSONDecodeError) on bad input


def dumps_bytes(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON (for HTTP bodies); unknown types as their `str()`."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS)
    except TypeError:  # an integer beyond 64 bits
        return json.dumps(value, separators=(",", ":"), default=str).encode()


def dumps(value: Any) -> str:
    """`value` as compact JSON text (for WebSocket text frames and the broker)."""
    return dumps_bytes(value).decode()
