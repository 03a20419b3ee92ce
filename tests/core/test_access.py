"""One log line per request under its request id; JSON lines with LOG_FORMAT=json."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid

import httpx
import pytest

from sanic_chat.logs import JsonLines
from tests.live import connect, live_server, new_group, post_message, register
from tests.problem import assert_problem


async def test_a_well_formed_request_id_is_kept_and_echoed(client):
    _, response = await client.get("/api/health", headers={"X-Request-ID": "edge-42.a:b_c"})
    assert response.headers["x-request-id"] == "edge-42.a:b_c"


@pytest.mark.parametrize("given", ["has space", "x" * 129, "semi;colon", ""])
async def test_an_ill_formed_request_id_is_replaced(client, given):
    _, response = await client.get("/api/health", headers={"X-Request-ID": given})
    generated = response.headers["x-request-id"]
    assert generated != given
    assert len(generated) == 32 and int(generated, 16) >= 0


async def test_problem_documents_carry_the_request_id(client):
    _, response = await client.get("/api/no/such/route", headers={"X-Request-ID": "trace-1"})
    problem = assert_problem(response, 404, "not_found")
    assert problem["requestId"] == "trace-1" == response.headers["x-request-id"]


async def test_one_line_per_request_with_route_status_user_and_id(client, register, caplog):
    account = await register("logged")
    caplog.set_level(logging.INFO, logger="sanic_chat.access")
    missing = uuid.uuid4()
    _, response = await client.get(
        f"/api/group/{missing}", headers={**account.headers, "X-Request-ID": "line-1"}
    )
    assert response.status == 404
    (record,) = [r for r in caplog.records if getattr(r, "request_id", None) == "line-1"]
    assert record.name == "sanic_chat.access"
    assert (record.method, record.status, record.user_id) == ("GET", 404, account.id)
    assert record.route.startswith("/api/group/<") and str(missing) not in record.route
    assert record.duration_ms >= 0
    assert account.access_token not in record.getMessage()


def test_the_service_loggers_propagate():
    for name in ("sanic_chat", "sanic_chat.access", "sanic_chat.gateway", "asyncpg"):
        logger = logging.getLogger(name)
        assert logger.propagate and not logger.handlers, name


def test_json_lines_hold_the_message_and_the_extras():
    record = logging.LogRecord(
        "sanic_chat.access", logging.INFO, __file__, 1, "GET %s", ("/x",), None
    )
    record.request_id, record.status = "abc", 200
    line = json.loads(JsonLines().format(record))
    assert line["message"] == "GET /x"
    assert (line["logger"], line["level"]) == ("sanic_chat.access", "INFO")
    assert (line["request_id"], line["status"]) == ("abc", 200)
    assert line["time"].endswith("+00:00")


async def test_json_log_lines_from_a_live_server(server_env, tmp_path):
    env = {**server_env, "LOG_FORMAT": "json"}
    with live_server(env, cwd=tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.http) as http:
            account = await register(http, "jsonlog")
            secret_text = "a message nobody logs"
            response = await http.get(
                "/api/user/me", headers={**account["headers"], "X-Request-ID": "json-1"}
            )
            assert response.status_code == 200
            client = await connect(server, account["token"])
            await client.ws.close()
            group_id = await new_group(http, account)
            await post_message(http, account, group_id, secret_text)
            await asyncio.sleep(0.5)  # let the lines reach the file
    ours = []
    for text in server.log().splitlines():
        if '"logger": "sanic_chat' in text:
            ours.append(json.loads(text))  # every line of ours is a whole JSON object
    (line,) = [line for line in ours if line.get("request_id") == "json-1"]
    assert line["route"] == "/api/user/me" and line["status"] == 200
    assert line["user_id"] == account["id"]
    log = server.log()
    assert account["token"] not in log
    assert secret_text not in log
