"""The project's errors and the one body every error response has.

Errors are RFC 7807 problem documents (`application/problem+json`) with a machine-readable
`code` beside the human `title`/`detail`, and per-field `errors` for validation failures.
Service code raises these classes; it never builds responses. WebSocket error frames carry the
same object under `error`.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterator
from typing import Any, ClassVar

import asyncpg
from pydantic import BaseModel, Field
from sanic import Request, Sanic
from sanic.constants import HTTP_METHODS
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, json
from tortoise.exceptions import BaseORMException, DBConnectionError

from .request_ids import request_id

log = logging.getLogger("sanic_chat")

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.email`.")
    message: str


class Problem(BaseModel):
    """The error body of every 4xx and 5xx response (RFC 7807)."""

    type: str = Field("about:blank", description="A URI naming the problem kind.")
    title: str = Field(description="Short summary of the problem kind.")
    status: int
    detail: str | None = Field(None, description="What went wrong in this occurrence.")
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    errors: list[FieldError] | None = Field(
        None, description="Per-field failures, for validation errors."
    )
    request_id: str | None = Field(
        None,
        alias="requestId",
        description="The request's id (its `X-Request-ID` response header), on HTTP errors.",
    )


class ChatError(Exception):
    """Base of the errors clients see. Subclasses fix the status and default code."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.code = code or type(self).code
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self) -> dict[str, Any]:
        return problem_body(self.status, self.title, self.code, self.detail, self.errors)


class BadRequest(ChatError):
    status, code, title = 400, "bad_request", "Bad request"


class Unauthorized(ChatError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(ChatError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(ChatError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ChatError):
    status, code, title = 409, "conflict", "Conflict"


class ValidationFailed(ChatError):
    status, code, title = 422, "validation_failed", "Validation failed"


class TooManyRequests(ChatError):
    status, code, title = 429, "too_many_requests", "Too many requests"


class Unavailable(ChatError):
    status, code, title = 503, "unavailable", "Service unavailable"


# How long a client should wait before retrying after an outage.
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailable(Unavailable):
    code, title = "database_unavailable", "Database unavailable"

    def __init__(self, detail: str = "The database does not answer; retry shortly.") -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


# PostgreSQL's "connection exception" class, and the server shutting down or starting up
# (57P01 is also what pg_terminate_backend sends).
_CONNECTION_SQLSTATE_CLASS = "08"
_SHUTDOWN_SQLSTATES = {"57P01", "57P02", "57P03"}
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EPIPE,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
}


def is_database_outage(exception: BaseException) -> bool:
    """Did this fail because PostgreSQL cannot be reached, rather than because of a bug?

    Looks at the exception and, through Tortoise's and asyncpg's wrappers, at its causes: a
    refused or lost connection, a pool that cannot connect, a terminated backend.
    """
    for error in _database_chain(exception):
        sqlstate = getattr(error, "sqlstate", None)
        if isinstance(error, asyncpg.PostgresError) and isinstance(sqlstate, str):
            if sqlstate.startswith(_CONNECTION_SQLSTATE_CLASS) or sqlstate in _SHUTDOWN_SQLSTATES:
                return True
        elif isinstance(error, DBConnectionError | socket.gaierror):
            return True
        elif isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
            return True
        elif isinstance(error, asyncpg.InternalClientError) and "in progress" in str(error):
            # A pooled connection whose backend was terminated while it sat idle: asyncpg read
            # the server's farewell out of turn and refuses the next statement this way.
            return True
        elif isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
            return True
    return False


def _database_chain(exception: BaseException) -> Iterator[BaseException]:
    # Only the database layers' own wrappers are followed: a Redis client's error caused by a
    # refused connection is not a database outage.
    error: BaseException | None = exception
    while error is not None:
        yield error
        if not isinstance(error, BaseORMException | asyncpg.PostgresError | asyncpg.InterfaceError):
            return
        error = error.__cause__ or error.__context__


def unexpected_error_problem(exception: Exception, where: str) -> tuple[dict[str, Any], dict]:
    """The problem document and headers for an exception that is not a ChatError.

    REST and WebSocket commands both answer with it: a database outage is a 503 the client can
    retry; anything else is a bug, logged with its traceback and answered with a bare 500.
    """
    if is_database_outage(exception):
        log.warning(
            "database unavailable on %s: %s: %s", where, type(exception).__name__, exception
        )
        error = DatabaseUnavailable()
        return error.to_problem(), error.headers
    log.error("Unhandled error on %s", where, exc_info=exception)
    return problem_body(500, ChatError.title, ChatError.code), {}


def problem_body(
    status: int,
    title: str,
    code: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Build the one error body used everywhere (REST and WebSocket)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> HTTPResponse:
    return json(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# Sanic's own exceptions (unknown route, wrong method, unparsable JSON, ...) keep their status and
# get a code derived from it.
_SANIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    416: "range_not_satisfiable",
    426: "upgrade_required",
    503: "unavailable",
}


def _handle(request: Request, exception: Exception) -> HTTPResponse:
    body, headers = _problem(request, exception)
    # The id the response header and our log line carry, for a user's report to quote.
    body["requestId"] = request_id(request)
    return problem_response(body, headers)


def _problem(request: Request, exception: Exception) -> tuple[dict[str, Any], dict[str, str]]:
    if isinstance(exception, ChatError):
        return exception.to_problem(), exception.headers
    where = f"{request.method} {request.path}"
    if isinstance(exception, SanicException):
        status = exception.status_code
        if status >= 500:
            return unexpected_error_problem(exception, where)
        title = str(exception) or "Error"
        code = _SANIC_CODES.get(status, "error")
        if status == 400 and "json" in title.lower():
            code, title = "malformed_json", "Malformed JSON body"
        headers = dict(exception.headers or {})
        if status == 405 and "Allow" not in headers:
            headers["Allow"] = _allowed_methods(request)
        return problem_body(status, title, code), headers
    return unexpected_error_problem(exception, where)


def _allowed_methods(request: Request) -> str:
    """The `Allow` header of a 405 (RFC 9110): Sanic's router leaves it out on dynamic paths."""
    allowed = []
    for method in HTTP_METHODS:
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except SanicException:
            continue
        allowed.append(method)
    return ", ".join(allowed)


def install_error_handler(app: Sanic) -> None:
    """Make every error response of `app` a problem document."""
    app.error_handler.add(Exception, _handle)
