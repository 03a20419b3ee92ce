"""Liveness and readiness of one worker.

`GET /api/health` (liveness): the worker's event loop answers; nothing else is checked, so an
orchestrator does not restart a worker for its database's outage. `GET /api/health/ready`
(readiness): 503 while the database or (when set) Redis does not answer, or while the worker
drains on shutdown; load balancers route by it. The answer names what is down, never an
exception class.
"""

from __future__ import annotations

import asyncio
import logging

from pydantic import BaseModel, Field
from sanic import Blueprint, Request, Sanic
from sanic.response import json
from sanic_ext import openapi
from tortoise import connections

from .errors import RETRY_AFTER_SECONDS, DatabaseUnavailable, Unavailable
from .openapi import responds

log = logging.getLogger("sanic_chat.health")

# Each check answers within this, so a dependency that hangs reads as down, not as a slow probe.
CHECK_SECONDS = 2.0


class Alive(BaseModel):
    status: str = Field(description="Always `ok`.")


class Health(BaseModel):
    status: str
    database: str
    redis: str | None = Field(None, description="Present when REDIS_URL is set.")


class Draining(Unavailable):
    code, title = "draining", "Shutting down"


def health_blueprint() -> Blueprint:
    bp = Blueprint("health", url_prefix="/api/health")

    @bp.before_server_start
    async def open_redis(app: Sanic) -> None:
        app.ctx.health_redis = None
        if app.ctx.settings.redis_url:
            import redis.asyncio as redis

            app.ctx.health_redis = redis.from_url(
                app.ctx.settings.redis_url,
                socket_connect_timeout=CHECK_SECONDS,
                socket_timeout=CHECK_SECONDS,
                max_connections=4,
            )

    @bp.after_server_stop
    async def close_redis(app: Sanic) -> None:
        if getattr(app.ctx, "health_redis", None) is not None:
            await app.ctx.health_redis.aclose()

    @bp.get("/", strict_slashes=False)
    @openapi.definition(summary="Liveness: the worker answers", tag="health")
    @responds(200, Alive, "The worker's event loop answers")
    async def alive(request: Request):
        return json({"status": "ok"})

    @bp.get("/ready")
    @openapi.definition(summary="Readiness: the database and Redis answer", tag="health")
    @responds(200, Health, "The worker, its database and Redis (when set) answer", errors=[503])
    async def ready(request: Request):
        hub = getattr(request.app.ctx, "hub", None)
        if hub is not None and hub.draining:
            raise Draining("This worker is shutting down; use another.")
        database = await _check("database", _ping_database())
        body = {"status": "ok", "database": database}
        client = getattr(request.app.ctx, "health_redis", None)
        if client is not None:
            body["redis"] = await _check("redis", client.ping())
        down = [name for name, state in body.items() if name != "status" and state != "ok"]
        if not down:
            return json(body)
        detail = f"Not answering: {', '.join(down)}; retry shortly."
        if "database" in down:
            raise DatabaseUnavailable(detail)
        raise Unavailable(
            detail, code="redis_unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

    return bp


async def _ping_database() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def _check(name: str, probe) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_SECONDS)
    except Exception as exc:  # whatever the failure, the dependency cannot serve now
        log.warning("health: %s unavailable: %s: %s", name, type(exc).__name__, exc)
        return "unavailable"
    return "ok"
