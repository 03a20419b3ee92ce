"""Security headers on every response, problem documents and the docs pages included.

Browsers are told not to guess content types, never to frame a page of this service
(clickjacking), to send no referrer (a WebSocket URL may carry `?token=`), and what a page may
load: the API answers JSON and loads nothing; the Swagger UI page loads its scripts, styles and
the OpenAPI document from this service only. Caches must not keep an answer: answers carry tokens
or one user's data. A route that sets one of these headers itself keeps its own value.
"""

from __future__ import annotations

from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

EVERY_RESPONSE = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's own CSS draws its icons from data: URIs; the page has no inline script or style.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def install_security_headers(app: Sanic) -> None:
    @app.on_response
    async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
        headers = response.headers
        for name, value in EVERY_RESPONSE:
            headers.setdefault(name, value)
        is_page = (response.content_type or "").startswith("text/html")
        headers.setdefault("Content-Security-Policy", PAGE_POLICY if is_page else API_POLICY)
        # The docs' script and style files are the same for everyone: let browsers keep them.
        if not (request.route and request.route.extra.static):
            headers.setdefault("Cache-Control", "no-store")
