"""Which failures are outages (503, retry) and which are bugs (500)."""

from __future__ import annotations

import logging
import socket

import asyncpg
import pytest
import redis.exceptions
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from sanic_chat.errors import is_database_outage, unexpected_error_problem
from sanic_chat.logs import OutageWithoutTraceback


def caused_by(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


OUTAGES = [
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(104, "Connection reset by peer"),
    socket.gaierror(-2, "Name or service not known"),
    DBConnectionError("Can't establish connection"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
    asyncpg.exceptions.InterfaceError("cannot perform operation: connection is closed"),
    caused_by(OperationalError("wrapped"), asyncpg.exceptions.AdminShutdownError("gone")),
    # Seen on the first statement through a pooled connection terminated while idle.
    asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
]
BUGS = [
    ValueError("a bug"),
    FileNotFoundError(2, "No such file"),
    OSError(28, "No space left on device"),
    IntegrityError("duplicate key"),
    asyncpg.exceptions.UniqueViolationError("duplicate key"),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"),
    # Redis failing is not the database failing, whatever the socket underneath said.
    caused_by(redis.exceptions.ConnectionError("Error 111"), ConnectionRefusedError(111, "x")),
]


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
def test_database_outages_are_503_with_retry_after(error):
    assert is_database_outage(error)
    problem, headers = unexpected_error_problem(error, "GET /api/group")
    assert (problem["status"], problem["code"]) == (503, "database_unavailable")
    assert int(headers["Retry-After"]) > 0
    assert type(error).__name__ not in str(problem)


@pytest.mark.parametrize("error", BUGS, ids=lambda e: type(e).__name__)
def test_everything_else_stays_a_bare_500(error):
    assert not is_database_outage(error)
    problem, headers = unexpected_error_problem(error, "GET /api/group")
    assert problem == {
        "type": "about:blank",
        "title": "Internal server error",
        "status": 500,
        "code": "internal_error",
    }
    assert headers == {}


def test_asyncpg_reconnecting_to_a_down_database_logs_one_line():
    try:
        raise ConnectionRefusedError(111, "Connect call failed")
    except ConnectionRefusedError as error:
        record = logging.LogRecord(
            "asyncpg.pool", logging.WARNING, __file__, 1, "Failed to restore", (), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    assert OutageWithoutTraceback().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert text == "Failed to restore: ConnectionRefusedError: [Errno 111] Connect call failed"
