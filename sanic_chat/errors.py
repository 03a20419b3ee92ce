"""The project's errors and the one body every error response has.

Errors are RFC 7807 problem documents (`application/problem+json`) with a machine-readable
`code` beside the human `title`/`detail`, and per-field `errors` for validation failures.
Service code raises these classes; it never builds responses. WebSocket error frames carry the
same object under `error`.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from sanic import Request, Sanic
from sanic.constants import HTTP_METHODS
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, json

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
    503: "unavailable",
}


def _handle(request: Request, exception: Exception) -> HTTPResponse:
    if isinstance(exception, ChatError):
        return problem_response(exception.to_problem(), exception.headers)
    if isinstance(exception, SanicException):
        status = exception.status_code
        if status >= 500:
            log.exception("Unhandled error on %s %s", request.method, request.path)
            return problem_response(problem_body(500, ChatError.title, ChatError.code))
        title = str(exception) or "Error"
        code = _SANIC_CODES.get(status, "error")
        if status == 400 and "json" in title.lower():
            code, title = "malformed_json", "Malformed JSON body"
        headers = dict(exception.headers or {})
        if status == 405 and "Allow" not in headers:
            headers["Allow"] = _allowed_methods(request)
        return problem_response(problem_body(status, title, code), headers)
    log.error("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
    return problem_response(problem_body(500, ChatError.title, ChatError.code))


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
