"""One log line and one count per HTTP request, under the request's id (`request_ids.py`),
which the response echoes in `X-Request-ID`: a user's report, a proxy's log and ours name the
same request."""

from __future__ import annotations

import logging
import time

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from . import metrics
from .request_ids import REQUEST_ID_HEADER, request_id

log = logging.getLogger("sanic_chat.access")

# The route label of a request that matched no route (its raw path would be unbounded).
UNMATCHED = "<unmatched>"


def route_pattern(request: Request) -> str:
    """The matched route as declared (`/api/group/<group_id:uuid>`), never the raw path."""
    route = request.route
    return "/" + route.path if route is not None else UNMATCHED


def install_access_log(app: Sanic) -> None:
    @app.on_request(priority=1000)
    async def start_clock(request: Request) -> None:
        request.ctx.started = time.perf_counter()
        request_id(request)

    @app.on_response(priority=1000)
    async def log_request(request: Request, response: HTTPResponse) -> None:
        ident = request_id(request)
        response.headers[REQUEST_ID_HEADER] = ident
        started = getattr(request.ctx, "started", None)
        seconds = time.perf_counter() - started if started is not None else 0.0
        route = route_pattern(request)
        status = response.status
        metrics.http_requests.labels(request.method, route, str(status)).inc()
        metrics.http_request_seconds.labels(route).observe(seconds)
        user = getattr(request.ctx, "user", None)
        user_id = str(user.id) if user is not None else "-"
        log.info(
            "%s %s %d %.1fms user=%s request_id=%s",
            request.method,
            route,
            status,
            seconds * 1000,
            user_id,
            ident,
            extra={
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "user_id": user_id if user is not None else None,
                "request_id": ident,
            },
        )
