"""Prometheus metrics: their definitions, the multi-process set-up, and `GET /metrics`.

Sanic serves from spawned worker processes, so every worker writes its samples to files in one
directory per run (prometheus-client's multiprocess mode) and `/metrics`, whichever worker
answers it, reads them all. `serve` makes that directory before the workers start
(`use_run_directory`); without it (tests in one process) the in-memory registry serves.

Labels never carry user or room ids: only event types, command names, route patterns, methods,
statuses and fixed reasons, so the number of series stays bounded. The hot path pays one
increment per event type per fan-out, never per recipient socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sanic import Blueprint, Request, Sanic
from sanic.response import raw
from sanic_ext import openapi

from .errors import NotFound, Unauthorized
from .metrics_directory import MULTIPROCESS_DIRECTORY

log = logging.getLogger("sanic_chat.metrics")

# How often each worker samples what is not counted as it happens (its database pool).
SAMPLE_SECONDS = 5.0
# Latencies from a fraction of a millisecond (a fan-out) to seconds (a send under an outage).
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# ---- WebSocket connections and deliveries
open_connections = Gauge(
    "sanic_chat_open_connections",
    "Open WebSocket connections.",
    multiprocess_mode="livesum",
)
users_online = Gauge(
    "sanic_chat_users_online",
    "Users with at least one open WebSocket anywhere (the broker's count, read at scrape).",
    multiprocess_mode="livemostrecent",
)
events_delivered = Counter(
    "sanic_chat_events_delivered",
    "Event frames handed to WebSocket connections (written or queued), by event type.",
    ["type"],
)
fanout_seconds = Histogram(
    "sanic_chat_fanout_seconds",
    "Time to hand one event to every local connection of its recipients.",
    buckets=LATENCY_BUCKETS,
)
command_seconds = Histogram(
    "sanic_chat_command_seconds",
    "From a WebSocket command read to its ack or error, by command (message sends included).",
    ["command"],
    buckets=LATENCY_BUCKETS,
)
resumes = Counter("sanic_chat_resumes", "WebSocket connections resuming with `since`.")
resyncs = Counter(
    "sanic_chat_resyncs",
    "Clients told to reload: `gap_too_large` (a resume too long to replay, `resync` frame) or"
    " `events_missed` (the broker lost events, `rooms.stale` frame, counted per worker).",
    ["reason"],
)
slow_client_disconnects = Counter(
    "sanic_chat_slow_client_disconnects",
    "Connections closed with 4429 because they did not read their events.",
)

# ---- HTTP
http_requests = Counter(
    "sanic_chat_http_requests",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
http_request_seconds = Histogram(
    "sanic_chat_http_request_seconds",
    "HTTP request durations, by route pattern.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)

# ---- Database
order_wait_seconds = Histogram(
    "sanic_chat_message_order_wait_seconds",
    "Time a message send waits for its worker's turn at the message-order lock (its batch).",
    buckets=LATENCY_BUCKETS,
)
statement_seconds = Histogram(
    "sanic_chat_db_statement_seconds",
    "Duration of measured statements; `message_send` includes waiting for the order lock held"
    " by other workers, and the commit.",
    ["statement"],
    buckets=LATENCY_BUCKETS,
)
db_pool_connections = Gauge(
    "sanic_chat_db_pool_connections",
    "Database connections of the workers' pools: `open` and `in_use`.",
    ["state"],
    multiprocess_mode="livesum",
)
db_pool_max = Gauge(
    "sanic_chat_db_pool_max_connections",
    "The largest the workers' pools may grow, summed.",
    multiprocess_mode="livesum",
)

# ---- Broker
broker_connected = Gauge(
    "sanic_chat_broker_connected",
    "1 when every live worker is subscribed to the broker (always 1 without Redis), else 0.",
    multiprocess_mode="livemin",
)
broker_lag_seconds = Histogram(
    "sanic_chat_broker_lag_seconds",
    "From an event's publication by one worker to its receipt by another (wall clocks).",
    buckets=LATENCY_BUCKETS,
)
broker_reconnects = Counter(
    "sanic_chat_broker_reconnects", "Times a worker's broker subscription was lost."
)

# Label children are looked up once per value, not on every increment.
_delivered_by_type: dict[str, Counter] = {}


def count_fanout(event_type: str, sockets: int, seconds: float) -> None:
    """One fan-out: how many connections it reached and how long it took."""
    fanout_seconds.observe(seconds)
    if sockets:
        child = _delivered_by_type.get(event_type)
        if child is None:
            child = _delivered_by_type[event_type] = events_delivered.labels(event_type)
        child.inc(sockets)


@contextlib.contextmanager
def timed_statement(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        statement_seconds.labels(name).observe(time.perf_counter() - started)


# --------------------------------------------------------------------------------------------
# One directory per run, shared by the workers
# --------------------------------------------------------------------------------------------


def forget_dead_workers(directory: Path) -> list[int]:
    """Drop the live gauges of workers that are gone (Sanic restarts a worker that dies).

    Their counters and histograms stay: totals must not go down when a worker is replaced.
    """
    dead = set()
    for path in directory.glob("*_*.db"):
        pid_text = path.stem.rsplit("_", 1)[-1]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            dead.add(int(pid_text))
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(directory))
    return sorted(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _registry() -> CollectorRegistry:
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, directory)
    return registry


# --------------------------------------------------------------------------------------------
# The route and each worker's sampler
# --------------------------------------------------------------------------------------------


def metrics_blueprint() -> Blueprint:
    """`GET /metrics`, answered only with `Authorization: Bearer <METRICS_TOKEN>`.

    Without METRICS_TOKEN the route answers 404: the metrics name routes and load, which is
    not for the public.
    """
    bp = Blueprint("metrics")

    # After start: the database pool the sampler reads is opened by a start listener too.
    @bp.after_server_start
    async def start_sampling(app: Sanic) -> None:
        directory = os.environ.get(MULTIPROCESS_DIRECTORY)
        if directory:
            forget_dead_workers(Path(directory))
        app.ctx.metrics_sampler = asyncio.get_running_loop().create_task(_sample_forever())

    @bp.after_server_stop
    async def stop_sampling(app: Sanic) -> None:
        app.ctx.metrics_sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.ctx.metrics_sampler
        directory = os.environ.get(MULTIPROCESS_DIRECTORY)
        if directory:
            # This worker's live gauges leave with it.
            multiprocess.mark_process_dead(os.getpid(), directory)

    @bp.get("/metrics")
    @openapi.exclude()
    async def metrics(request: Request):
        _check_token(request)
        broker = getattr(request.app.ctx, "broker", None)
        if broker is not None:
            with contextlib.suppress(Exception):  # Redis down: the last count stands
                users_online.set(await broker.online_count())
        body = await asyncio.to_thread(generate_latest, _registry())
        return raw(body, content_type=CONTENT_TYPE_LATEST)

    return bp


def _check_token(request: Request) -> None:
    expected = request.app.ctx.settings.metrics_token
    if not expected:
        raise NotFound("Metrics are off: set METRICS_TOKEN to serve them.", code="not_found")
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "Send `Authorization: Bearer <METRICS_TOKEN>`.", code="metrics_token_required"
        )


async def _sample_forever() -> None:
    while True:
        sample_database_pool()
        await asyncio.sleep(SAMPLE_SECONDS)


def sample_database_pool() -> None:
    from tortoise import connections

    try:
        pool = getattr(connections.get("default"), "_pool", None)
    except Exception:  # not initialised yet, or SQLite
        return
    if pool is None or not hasattr(pool, "get_size"):
        return
    size = pool.get_size()
    db_pool_connections.labels("open").set(size)
    db_pool_connections.labels("in_use").set(size - pool.get_idle_size())
    db_pool_max.set(pool.get_max_size())
