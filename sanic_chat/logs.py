"""Where the service's log lines go, in which format, and no token in any of them.

The `sanic_chat.*` and `asyncpg` loggers propagate to the root logger. Unless the operator
configured logging (`LOG_CONFIG`, or handlers already on the root logger), the root gets one
handler of ours, text or JSON lines (`LOG_FORMAT`), which leaves Sanic's records to Sanic's own
handlers, so no line is written twice. `configure_logging` is called from the CLI
and from `create_app`, since spawned workers never run the CLI's code.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import re
from datetime import datetime, timezone

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


SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets")
TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
# LogRecord's own attributes: whatever else a record carries came as `extra` (JSON fields).
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class ServiceHandler(logging.StreamHandler):
    """The handler put on the root logger when the operator configured none.

    Sanic's loggers have handlers of their own: their records, propagated, are not written
    twice (they still propagate, for whoever else listens at the root).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name not in SANIC_LOGGERS and super().filter(record)


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, pid and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and not name.startswith("_"):
                line[name] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def _formatter(log_format: str) -> logging.Formatter:
    return JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: str | None = None, level: int = logging.INFO) -> None:
    """Route the service's loggers (see the module doc); safe to call again with the settings.

    `log_format` defaults to the LOG_FORMAT variable: the CLI logs before settings are read.
    """
    log_format = log_format or os.environ.get("LOG_FORMAT", "text")
    log.setLevel(level)
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(existing, OutageWithoutTraceback) for existing in pool_log.filters):
        pool_log.addFilter(OutageWithoutTraceback())
    if os.environ.get("LOG_CONFIG"):
        if not getattr(configure_logging, "applied", False):
            with open(os.environ["LOG_CONFIG"], encoding="utf-8") as config:
                logging.config.dictConfig(json.load(config))
            configure_logging.applied = True
        return
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if isinstance(handler, ServiceHandler)]
    if root.handlers and not ours:
        return  # the embedding program configured logging: its handlers decide
    if not ours:
        ours = [ServiceHandler()]
        root.addHandler(ours[0])
    ours[0].setFormatter(_formatter(log_format))


def use_log_format_for_sanic(log_format: str) -> None:
    """Call after `Sanic(...)`, which installs fresh handlers on Sanic's loggers.

    In JSON mode (with our root handler in place) they write JSON lines too.
    """
    root = logging.getLogger()
    if log_format != "json" or not any(isinstance(h, ServiceHandler) for h in root.handlers):
        return
    for name in SANIC_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(JsonLines())


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
