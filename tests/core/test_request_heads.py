"""Request heads HTTP forbids are refused with 400, on a real socket (no client would send them)."""

from __future__ import annotations

import asyncio
import json

import pytest


async def exchange(port: int, fields: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + fields + b"Connection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize(
    "field",
    [
        b"X-\x00Bad: 1\r\n",  # NUL in a name
        b"X-\x01Bad: 1\r\n",  # another control character
        b"X\x7fBad: 1\r\n",  # DEL
        b"X Bad: 1\r\n",  # a space is not a name character either
        b"X-Bad: a\x00b\r\n",  # NUL in a value
        b"X-Bad: a\x1bb\r\n",  # escape in a value
        b"X-Folded: a\r\n b\r\n",  # obsolete line folding
    ],
)
async def test_a_malformed_header_field_is_refused(server, field):
    status, body = await exchange(server.port, field)
    assert status == 400
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (400, "bad_request")


async def test_well_formed_unusual_fields_still_pass(server):
    status, body = await exchange(
        server.port, b"X-Tab: a\tb\r\nX-Empty:\r\nX-Latin: caf\xc3\xa9\r\nx_under~score!: 1\r\n"
    )
    assert status == 200, body
