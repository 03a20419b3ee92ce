"""Hostile input at the edge: deep nesting, out-of-range numbers, digits of other scripts.

Each of these once reached a 500 (or a WebSocket closed with 1000 after a traceback) from a
client that needs no more than an account, most of them none at all.
"""

from __future__ import annotations

import httpx
import pytest
import websockets

from sanic_chat.commands import CommandFrame
from sanic_chat.errors import ValidationFailed
from sanic_chat.validation import MAX_DEPTH, parse
from tests.live import connect, new_group, register
from tests.problem import assert_problem


def nested(levels: int) -> str:
    """A JSON object whose `password` is `levels` - 1 arrays deep: `levels` levels in all."""
    return '{"password": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 1023])
async def test_deeply_nested_bodies_are_422(client, levels):
    _, response = await client.post(
        "/api/auth/login", content=nested(levels), headers={"content-type": "application/json"}
    )
    problem = assert_problem(response, 422, "too_deeply_nested")
    assert problem["errors"] == [{"field": "body", "message": f"nested over {MAX_DEPTH} levels"}]


async def test_nesting_within_the_bound_reaches_the_schema(client):
    _, response = await client.post(
        "/api/auth/login", content=nested(MAX_DEPTH), headers={"content-type": "application/json"}
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert "body.password" in {error["field"] for error in problem["errors"]}


async def test_beyond_what_the_parser_reads_is_malformed_json(client):
    _, response = await client.post(
        "/api/auth/login", content=nested(1100), headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "malformed_json")


def test_a_nul_deep_inside_a_kept_field_is_named():
    frame = {"type": "x", "data": {"a": [1, {"b": "x\x00"}]}, "unknown": "y\x00"}
    with pytest.raises(ValidationFailed) as refused:
        parse(CommandFrame, frame, "frame")
    # Unknown fields are ignored, whatever they hold; the kept ones are walked to the bottom.
    assert refused.value.errors == [
        {"field": "frame.data.a.1.b", "message": "contains a NUL character"}
    ]


async def test_deeply_nested_frames_get_an_error_frame_and_the_socket_stays(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"])
    for levels in (MAX_DEPTH, 1000):
        frame = '{"type": "ping", "ref": "deep", "data": {"x": ' + "[" * levels + "]" * levels
        await client.ws.send(frame + "}}")
        error = await client.next_of("error")
        assert error["ref"] is None  # the frame was refused before its ref was read
        assert error["error"]["status"] == 422
        assert error["error"]["code"] == "too_deeply_nested"
    assert (await client.command("ping", {"x": [[[]]]}, ref="fine"))["type"] == "ack"
    await client.ws.close()


@pytest.mark.parametrize("bound", ["before", "after"])
async def test_history_bounds_beyond_any_id_are_422(server, http, bound):
    alice = await register(http, "alice")
    gid = await new_group(http, alice)
    path = f"/api/group/{gid}/message"
    for value in (2**63, 2**64, 10**30):
        response = await http.get(path, params={bound: value}, headers=alice["headers"])
        problem = assert_problem(response, 422, "validation_failed")
        assert problem["errors"][0]["field"] == f"query.{bound}"
    response = await http.get(path, params={bound: 2**63 - 1}, headers=alice["headers"])
    assert response.status_code == 200
    assert response.json()["messages"] == []


@pytest.mark.parametrize("message_id", ["²", "١٢", "\uff11\uff12", "12%0A", "-1", str(2**63)])
async def test_message_ids_are_ascii_digits(server, http, message_id):
    alice = await register(http, "alice")
    gid = await new_group(http, alice)
    response = await http.delete(f"/api/group/{gid}/message/{message_id}", headers=alice["headers"])
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["field"] == "path.messageId"


@pytest.mark.parametrize("since", ["²", "١٢٣", "\uff11\uff12", " 1", "1.0", str(2**63)])
async def test_since_takes_ascii_digits_only(server, http, since):
    alice = await register(http, "alice")
    url = str(httpx.URL(server.ws, params={"token": alice["token"], "since": since}))
    async with websockets.connect(url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4400
    assert alice["token"] not in server.log()


async def test_since_in_ascii_digits_resumes(server, http):
    alice = await register(http, "alice")
    client = await connect(server, alice["token"], since="0")
    assert (await client.command("ping", {}, ref=1))["type"] == "ack"
    await client.ws.close()


async def test_ids_in_paths_are_ascii(server, http):
    alice = await register(http, "alice")
    eastern_ones = "\u0661" * 32  # ARABIC-INDIC DIGIT ONE: `int(..., 16)` reads it as 1
    response = await http.get(f"/api/group/{eastern_ones}", headers=alice["headers"])
    assert assert_problem(response, 422)["errors"][0]["field"] == "path.id"
    response = await http.get("/api/group/" + "1" * 32, headers=alice["headers"])
    assert_problem(response, 404, "group_not_found")


async def test_a_problem_never_echoes_a_control_character_it_was_sent(client, register):
    owner = await register("owner")
    _, created = await client.post("/api/group", json={"title": "t"}, headers=owner.headers)
    url = f"/api/group/{created.json['id']}/recipient"
    _, response = await client.post(url, json={"recipientId": "a\x00\nb"}, headers=owner.headers)
    problem = assert_problem(response, 422, "validation_failed")
    message = problem["errors"][0]["message"]
    assert "\\u0000" in message
    assert "\x00" not in message and "\n" not in message
