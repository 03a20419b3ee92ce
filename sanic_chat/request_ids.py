"""The id of an HTTP request: the client's (or the proxy's) `X-Request-ID` when it is well
formed, else a generated one. Logs, the response header and problem documents all carry it."""

from __future__ import annotations

import re
import uuid

from sanic import Request

REQUEST_ID_HEADER = "X-Request-ID"
# Short and plain: it lands in log lines and headers, so nothing that could forge either.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id(request: Request) -> str:
    """The request's id, decided on first use and kept on the request."""
    known = getattr(request.ctx, "request_id", None)
    if known is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        known = given if _WELL_FORMED_ID.fullmatch(given) else uuid.uuid4().hex
        request.ctx.request_id = known
    return known
