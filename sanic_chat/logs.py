"""The `sanic_chat` logger, and no token in any log line the service writes.

Sanic configures its own loggers; ours gets one handler alike. `configure_logging` is called
from the CLI and from `create_app`, since spawned workers never run the CLI's code.
"""

from __future__ import annotations

import logging
import re

from .errors import is_database_outage

log = logging.getLogger("sanic_chat")

# Loggers whose handlers write the service's log: Sanic's and ours (children propagate to them).
SERVICE_LOGGERS = (
    "",
    "sanic.root",
    "sanic.error",
    "sanic.access",
    "sanic.server",
    "sanic.websockets",
    "sanic_chat",
)
# Browsers cannot set headers on a WebSocket, so clients put the token in the URL, and Sanic's
# access and error logs print request URLs. Any `...token=value` loses its value, and so does
# anything shaped like a JWT (base64url of `{"` starts every one: "eyJ").
_TOKEN_PARAMETER = re.compile(r"(?i)(\w*token=)[^&\s'\"<>]+")
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")
REDACTED = "[redacted]"


def configure_logging(level: int = logging.INFO) -> None:
    if log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    )
    # asyncpg logs too (its pool reconnecting during an outage): in our format, not bare.
    for logger in (log, logging.getLogger("asyncpg")):
        logger.addHandler(handler)
        logger.propagate = False
    log.setLevel(level)
    logging.getLogger("asyncpg.pool").addFilter(OutageWithoutTraceback())


class OutageWithoutTraceback(logging.Filter):
    """One line, not a traceback, each time asyncpg's pool fails to reconnect to a database
    that is down: the outage is expected and already answered with 503s."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and is_database_outage(error):
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def redact_tokens(text: str) -> str:
    return _JWT.sub(REDACTED, _TOKEN_PARAMETER.sub(rf"\1{REDACTED}", text))


class RedactTokens(logging.Filter):
    """Scrub tokens from a record: its message, its string extras (the access log's request
    line) and its traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_tokens(message)
        if clean != message:
            record.msg, record.args = clean, None
        for name, value in list(vars(record).items()):
            if name != "msg" and isinstance(value, str):
                setattr(record, name, redact_tokens(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_tokens(logging.Formatter().formatException(record.exc_info))
        return True


def redact_tokens_in_logs() -> None:
    """Put the filter on every handler of the service's loggers.

    Handlers rather than loggers: a logger's filter misses its children's records. Call it after
    `Sanic(...)`, which replaces Sanic's handlers with fresh ones.
    """
    for name in SERVICE_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(existing, RedactTokens) for existing in handler.filters):
                handler.addFilter(RedactTokens())
