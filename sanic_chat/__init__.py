"""sanic-chat: a real-time group and one-to-one chat backend built from plugins.

This module exports what most plugins import: the hook marker, the errors, the events and the
route helpers. The whole plugin API is `sanic_chat.plugin`; the other modules are internal.
"""

__version__ = "0.1.0"

from .errors import (
    BadRequest,
    ChatError,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from .events import Event
from .hookspecs import hookimpl
from .messages import MessageDraft
from .openapi import responds
from .security import authenticated
from .transactions import transaction
from .validation import json_body, query_args

__all__ = [
    "BadRequest",
    "ChatError",
    "Conflict",
    "Event",
    "Forbidden",
    "MessageDraft",
    "NotFound",
    "TooManyRequests",
    "Unauthorized",
    "ValidationFailed",
    "__version__",
    "authenticated",
    "hookimpl",
    "json_body",
    "query_args",
    "responds",
    "transaction",
]
