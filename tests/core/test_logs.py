"""No token in any log line the service writes, whatever a client sends."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import jwt
import pytest
import websockets

from sanic_chat.logs import RedactTokens, redact_tokens
from tests.live import connect, live_server, register


def raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


async def test_no_log_line_holds_a_token(server_env, tmp_path):
    # Sanic's access log prints every request's URL: the strictest case, so it is on here.
    env = {**server_env, "SANIC_ACCESS_LOG": "true"}
    with live_server(env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http) as http:
            account = await register(http, "logged")
            token = account["token"]
            login = await http.post(
                "/api/auth/login",
                json={"username": account["username"], "password": "correct horse battery"},
            )
            refresh_token = login.json()["refreshToken"]
            forged = jwt.encode({"sub": account["id"], "typ": "access"}, "x" * 32)

            client = await connect(server, token)  # the good handshake
            await client.ws.close()
            for bad in ({"token": forged}, {"token": token, "since": "abc"}):
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await (await websockets.connect(str(httpx.URL(server.ws, params=bad)))).recv()
                assert closed.value.rcvd.code in (4400, 4401)
            # Plain HTTP to the WebSocket route, and a handshake without its key.
            response = await http.get("/ws", params={"token": token})
            assert response.status_code in (400, 426)
            answer = await asyncio.to_thread(
                raw_request,
                server.port,
                f"GET /ws?token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".encode(),
            )
            assert answer.startswith(b"HTTP/1.1 400")
            await http.post("/api/auth/refresh-token", params={"token": refresh_token}, json={})
            await asyncio.sleep(0.5)  # let the access log lines reach the file
    log = server.log()
    assert "token=[redacted]" in log, "the access log did not run: the test proves nothing"
    for secret in (token, refresh_token, forged):
        assert secret not in log
        for part in secret.split("."):
            assert part not in log


def test_the_filter_scrubs_messages_extras_and_tracebacks():
    token = jwt.encode({"sub": "someone"}, "k" * 32)
    try:
        raise ValueError(f"bad handshake on /ws?since=x&token={token}")
    except ValueError as error:
        record = logging.LogRecord(
            "sanic.error", logging.ERROR, __file__, 1, "while handling %r", (token,), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    record.request = f"GET ws://host/ws?token={token}"  # the access log's extra
    assert RedactTokens().filter(record)
    text = logging.Formatter("%(message)s %(request)s").format(record)
    assert token not in text
    assert text.startswith("while handling '[redacted]' GET ws://host/ws?token=[redacted]\n")
    assert text.endswith("ValueError: bad handshake on /ws?since=x&token=[redacted]")
    assert redact_tokens("?since=3&access_token=abc&x=1") == "?since=3&access_token=[redacted]&x=1"
