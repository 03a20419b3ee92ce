"""Request heads that HTTP forbids are refused with 400 before anything reads them.

Sanic splits header lines at the first colon and keeps whatever it finds, so a NUL or another
control character in a header name reached the application. RFC 9110 5.1 limits a field name to
`token` characters, and 5.5 forbids control characters but horizontal tab in a field value
(RFC 9112 5.2 also refuses obsolete line folding, a line starting with whitespace).
"""

from __future__ import annotations

import re

from sanic import Sanic

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# Every line after the request line: a token, a colon, then anything but control characters
# (tab allowed). One expression over the whole head: faster than a loop over lines.
_FIELD_LINES = re.compile(rb"(?:\r\n" + _TOKEN + rb":[^\x00-\x08\x0a-\x1f\x7f]*)*")


class MalformedHead(ValueError):
    pass


def install_request_head_check(app: Sanic) -> None:
    # Sanic answers 400 Bad Request when a `read_head` handler raises.
    @app.signal("http.lifecycle.read_head")
    async def refuse_malformed_fields(head: bytes) -> None:
        fields = head.find(b"\r\n")
        if fields >= 0 and not _FIELD_LINES.fullmatch(head, fields):
            raise MalformedHead("malformed header field")
