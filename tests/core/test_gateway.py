"""The WebSocket endpoint on a real single-worker server: handshake, frames, commands."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import jwt
import pytest
import websockets

from tests.live import connect, register
from tests.settings import TEST_SETTINGS


async def close_code(server, **kwargs) -> tuple[int, str]:
    """Open /ws with `kwargs` as handshake options and return the close code and reason."""
    url = str(httpx.URL(server.ws, params=kwargs.pop("params", {})))
    async with websockets.connect(url, **kwargs) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_ready_frame_names_the_user(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])
    assert client.ready["data"]["user"]["id"] == alice["id"]
    assert client.ready["data"]["user"]["username"] == alice["username"]
    await client.ws.close()


@pytest.mark.parametrize("how", ["query", "bearer", "token_header"])
async def test_three_ways_to_present_the_token(server, http, how):
    alice = await register(http, "alice")
    params, headers = {}, {}
    if how == "query":
        params["token"] = alice["token"]
    elif how == "bearer":
        headers["Authorization"] = f"Bearer {alice['token']}"
    else:
        headers["token"] = alice["token"]
    url = str(httpx.URL(server.ws, params=params))
    async with websockets.connect(url, additional_headers=headers) as ws:
        ready = json.loads(await ws.recv())
    assert ready["type"] == "ready"
    assert ready["data"]["user"]["id"] == alice["id"]


def _token(**overrides) -> str:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
        "typ": "access",
    }
    claims.update(overrides)
    return jwt.encode(claims, TEST_SETTINGS["JWT_ACCESS_SECRET"], algorithm="HS256")


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-jwt",
        _token(exp=int(time.time()) - 10),
        _token()[:-3] + "abc",
        _token(typ="refresh"),
        jwt.encode({"sub": str(uuid.uuid4())}, "", algorithm="none"),
    ],
    ids=["missing", "garbage", "expired", "tampered", "refresh-type", "alg-none"],
)
async def test_bad_tokens_close_with_4401(server, token):
    params = {"token": token} if token else {}
    code, reason = await close_code(server, params=params)
    assert code == 4401
    assert reason


async def test_malformed_since_closes_with_4400(server, http):
    alice = await register(http, "alice")
    code, _ = await close_code(server, params={"token": alice["token"], "since": "yesterday"})
    assert code == 4400


async def test_ping_is_acknowledged_with_its_ref(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])
    reply = await client.command("ping", {}, ref="p-1")
    assert reply["type"] == "ack"
    assert reply["ref"] == "p-1"
    assert "pong" in reply["data"]
    await client.ws.close()


async def test_bad_frames_get_errors_and_the_connection_stays_open(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])

    await client.ws.send("this is not json")
    error = await client.next_of("error")
    assert error["error"]["code"] == "malformed_frame"
    assert error["error"]["status"] == 400

    await client.ws.send(json.dumps(["a", "list"]))
    assert (await client.next_of("error"))["error"]["code"] == "validation_failed"

    await client.ws.send(json.dumps({"type": "no.such.command", "ref": 7}))
    error = await client.next_of("error")
    assert error["ref"] == 7
    assert error["error"]["code"] == "unknown_command"

    reply = await client.command("typing", {"groupId": "not-a-uuid"}, ref="t")
    assert reply["type"] == "error"
    assert reply["error"]["code"] == "validation_failed"
    assert reply["error"]["errors"][0]["field"] == "data.groupId"

    # Numeric refs are echoed exactly up to 64 bits; a larger one is refused, not mangled.
    largest = 2**63 - 1
    assert (await client.command("ping", {}, ref=largest))["ref"] == largest
    await client.ws.send(json.dumps({"type": "ping", "ref": 2**64}))
    error = await client.next_of("error")
    assert error["ref"] is None
    assert error["error"]["errors"][0]["field"].startswith("frame.ref")

    # Still serving after all of that.
    assert (await client.command("ping", {}, ref="alive"))["type"] == "ack"
    await client.ws.close()


async def test_oversize_frames_are_refused(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])
    await client.ws.send("x" * (64 * 1024 + 1))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.frame()
    assert closed.value.rcvd.code == 1009


async def test_refs_that_are_neither_strings_nor_integers_are_refused(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])
    # JSON `true` and `1.0` are not the integer 1: echoing them as 1 would confuse the client.
    for ref in (True, 1.0, 2.5, [1], {"id": 1}):
        await client.ws.send(json.dumps({"type": "ping", "ref": ref}))
        error = await client.next_of("ack", "error")
        assert error["type"] == "error", ref
        assert error["ref"] is None
        assert error["error"]["status"] == 422
        assert error["error"]["code"] == "validation_failed"
        assert all(e["field"].startswith("frame.ref") for e in error["error"]["errors"])
    assert (await client.command("ping", {}, ref=1))["ref"] == 1
    await client.ws.close()
