"""The client's page at `/` and its files under `/web/`, outside the API and its document."""

from __future__ import annotations

from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import file
from sanic_ext import openapi

STATIC = Path(__file__).with_name("static")
# Stricter than the docs page's policy: no data: images, no inline anything, no other origin.
# `connect-src 'self'` covers the same-origin WebSocket (CSP 3 matches ws: and wss: to it).
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def web_blueprint() -> Blueprint:
    bp = Blueprint("web")

    @bp.get("/", name="index")
    @openapi.exclude()
    async def index(request: Request):
        return await file(
            STATIC / "index.html",
            mime_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_POLICY},
        )

    bp.static("/web", STATIC, name="files")

    @bp.on_response
    async def revalidate(request: Request, response):
        # The files change with each release and must change together: browsers keep them but
        # ask first (a 304 answers), so a page never runs with the scripts of another version.
        response.headers["Cache-Control"] = "no-cache"

    return bp
