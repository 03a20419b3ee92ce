"""sanic-chat: a real-time group and one-to-one chat backend built from plugins.

This module is the surface plugins import from: the hook marker, the errors, the events, the
authentication guard and the message draft plugins' hooks see. Kinds of room are in
`sanic_chat.rooms`.
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
