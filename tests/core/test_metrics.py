"""`/metrics`: protected, labelled by route pattern and event type, and summed over workers."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import secrets
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sanic_chat.app import create_app
from sanic_chat.config import load_settings
from sanic_chat.metrics import forget_dead_workers
from tests.live import connect, live_server, new_group, register
from tests.problem import assert_problem
from tests.settings import TEST_SETTINGS

TOKEN = secrets.token_urlsafe(24)
BEARER = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def settings(database_url):
    return load_settings(DATABASE_URL=database_url, METRICS_TOKEN=TOKEN, **TEST_SETTINGS)


async def test_metrics_need_the_bearer_token(client):
    _, response = await client.get("/metrics")
    assert_problem(response, 401, "metrics_token_required")
    _, response = await client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
    assert_problem(response, 401, "metrics_token_required")
    _, response = await client.get("/metrics", headers=BEARER)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/plain")


async def test_without_a_token_setting_there_are_no_metrics(database_url):
    app = create_app(load_settings(DATABASE_URL=database_url, **TEST_SETTINGS))
    _, response = await app.asgi_client.get("/metrics", headers=BEARER)
    assert_problem(response, 404, "not_found")


async def test_requests_are_counted_by_route_pattern_never_by_path(client, register):
    account = await register("counted")
    missing = uuid.uuid4()
    _, before = await client.get("/metrics", headers=BEARER)
    for _ in range(3):
        _, response = await client.get(f"/api/group/{missing}", headers=account.headers)
        assert response.status == 404
    _, after = await client.get("/metrics", headers=BEARER)
    routes = {
        labels["route"]
        for family in text_string_to_metric_families(after.text)
        for sample in family.samples
        if sample.name == "sanic_chat_http_requests_total"
        for labels in [sample.labels]
    }
    # Only the pattern of GET /api/group/{id}: earlier tests also counted deeper group routes.
    group_route = [route for route in routes if re.fullmatch(r"/api/group/<[^/>]+>", route)]
    assert len(group_route) == 1, routes
    labels = {"method": "GET", "route": group_route[0], "status": "404"}
    counted = value(parse(after.text), "sanic_chat_http_requests_total", **labels) - value(
        parse(before.text), "sanic_chat_http_requests_total", **labels
    )
    assert counted == 3
    # No user, room or raw path in any label.
    assert str(missing) not in after.text
    assert account.id not in after.text


def test_a_dead_workers_live_gauges_are_forgotten_and_its_counters_kept(tmp_path: Path):
    process = multiprocessing.get_context("spawn").Process(target=os.getpid)
    process.start()
    process.join()
    dead = process.pid
    for name in (f"gauge_livesum_{dead}.db", f"gauge_livemin_{dead}.db", f"counter_{dead}.db"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")

    assert forget_dead_workers(tmp_path) == [dead]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"counter_{dead}.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    return parse(response.text)


async def test_two_workers_counts_add_up(server_env, redis_url, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999999.db").write_bytes(b"from an earlier run")
    env = {
        **server_env,
        "REDIS_URL": redis_url,
        "METRICS_TOKEN": TOKEN,
        "DATABASE_POOL_MAX": "7",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
    }
    with live_server(env, workers=2, cwd=tmp_path) as server:
        assert not (directory / "counter_999999999.db").exists()
        async with httpx.AsyncClient(base_url=server.http, timeout=30) as http:
            alice, bob = await register(http, "alice"), await register(http, "bob")
            group_id = await new_group(http, alice, bob)
            # Each on a connection of its own: the kernel spreads them over both workers.
            for _ in range(12):
                response = await http.get("/api/health", headers={"Connection": "close"})
                assert response.status_code == 200
            devices = [await connect(server, alice["token"]) for _ in range(6)]
            sender = await connect(server, bob["token"])
            for n in range(3):
                reply = await sender.command(
                    "group.message.send", {"groupId": group_id, "content": f"m{n}"}, ref=n
                )
                assert reply["type"] == "ack", reply
            received = 0
            for client in [*devices, sender]:
                for _ in range(3):
                    await client.next_of("group.message.create")
                    received += 1

            samples = await scrape(http)
            # Each worker's pool maximum, summed: both workers' files were read.
            assert value(samples, "sanic_chat_db_pool_max_connections") == 14
            health = {"method": "GET", "route": "/api/health", "status": "200"}
            assert value(samples, "sanic_chat_http_requests_total", **health) == 12
            assert value(samples, "sanic_chat_open_connections") == 7
            assert value(samples, "sanic_chat_users_online") == 2
            delivered = value(
                samples, "sanic_chat_events_delivered_total", type="group.message.create"
            )
            assert delivered == received == 21
            sends = value(samples, "sanic_chat_command_seconds_count", command="group.message.send")
            assert sends == 3
            assert value(samples, "sanic_chat_message_order_wait_seconds_count") >= 3
            assert value(samples, "sanic_chat_db_statement_seconds_count", statement="message_send")
            assert value(samples, "sanic_chat_broker_connected") == 1
            # Every message reached the other worker through Redis.
            assert value(samples, "sanic_chat_broker_lag_seconds_count") >= 3
            for account in (alice, bob):
                assert account["id"] not in str(samples)
            assert group_id not in str(samples)

            resumed = await connect(server, bob["token"], since="0")
            for client in [*devices, sender, resumed]:
                await client.ws.close()
            for _ in range(50):
                samples = await scrape(http)
                if value(samples, "sanic_chat_open_connections") == 0:
                    break
                await asyncio.sleep(0.1)
            assert value(samples, "sanic_chat_open_connections") == 0
            assert value(samples, "sanic_chat_resumes_total") == 1
