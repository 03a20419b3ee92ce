"""`GET /api/health`: is this worker up, and can it reach its database?"""

from __future__ import annotations

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import json
from sanic_ext import openapi
from tortoise import connections

from .errors import Unavailable
from .openapi import responds


class Health(BaseModel):
    status: str
    database: str


def health_blueprint() -> Blueprint:
    bp = Blueprint("health", url_prefix="/api/health")

    @bp.get("/", strict_slashes=False)
    @openapi.definition(summary="Liveness and database check", tag="health")
    @responds(200, Health, "The worker and its database answer")
    async def health(request: Request):
        try:
            await connections.get("default").execute_query("SELECT 1")
        except Exception as exc:
            raise Unavailable(f"database unreachable: {type(exc).__name__}") from exc
        return json({"status": "ok", "database": "ok"})

    return bp
