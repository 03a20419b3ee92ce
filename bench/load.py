"""The fan-out load: clients in groups, senders at an offered rate, every delivery timed.

Shared by `fanout` and `scale`, against the real server and the bare baseline alike: both
accept `{"type": "group.message.send", "ref", "data": {groupId, content, clientId}}` and push
`group.message.create` events whose `data.content` is what was sent.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass, field

import orjson
import websockets

from .harness import collector_paused
from .report import latency_summary

CONNECT_CONCURRENCY = 100
# The load generator's own stalls: how late a short sleep wakes up says how long its loop was
# busy or descheduled, time that its clients count as the server's latency.
STALL_PROBE_SECONDS = 0.002
STALL_SECONDS = 0.010
DRAIN_SECONDS = 10.0
# A message per group before the timed load, whose deliveries are awaited and not timed.
WARM_UP_PREFIX = "warm-up|"
WARM_UP_SECONDS = 10.0
# After the measurement, how long to wait for the answers to every command sent before the
# clients close: a server stopped with commands still queued has work cut short.
SETTLE_SECONDS = 60.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    seen: set[tuple[int, str]] = field(default_factory=set)
    duplicates: int = 0
    # Commands sent and not yet answered (ack or error), by client; a closed client's are
    # dropped, as nothing will answer them.
    unanswered: dict[int, int] = field(default_factory=dict)
    settling: bool = False
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)
    last_delivery: float = 0.0
    expected: int | None = None
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    warm_up_left: int = 0
    warmed_up: asyncio.Event = field(default_factory=asyncio.Event)

    def check_complete(self) -> None:
        if self.expected is not None and len(self.seen) >= self.expected:
            self.complete.set()

    def check_answered(self) -> None:
        if self.settling and not any(self.unanswered.values()):
            self.all_answered.set()


async def open_clients(urls: list[str]) -> list:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(url: str):
        async with gate:
            ws = await websockets.connect(url, ping_interval=None, max_queue=None)
            await ws.recv()  # ready
            return ws

    return list(await asyncio.gather(*(one(url) for url in urls)))


async def offer_load(
    clients: list,
    groups: list[list[int]],
    group_ids: list[str],
    rate: float,
    duration: float,
) -> dict:
    """Send `rate` messages/s spread over the groups for `duration` s; time every delivery."""
    tally = Tally()
    expected_per_message = {
        gid: len(members) for gid, members in zip(group_ids, groups, strict=True)
    }
    tally.unanswered = {members[0]: 0 for members in groups}
    readers = [asyncio.create_task(_read(index, ws, tally)) for index, ws in enumerate(clients)]
    await _warm_up(clients, groups, group_ids, tally)
    sent: list[str] = []
    send_errors = 0
    interval = len(groups) / rate  # each group's sender sends once per interval

    async def sender(group_index: int) -> None:
        nonlocal send_errors
        sender_index = groups[group_index][0]
        ws = clients[sender_index]
        group_id = group_ids[group_index]
        next_at = time.perf_counter() + (group_index / len(groups)) * interval
        stop_at = started + duration
        while next_at < stop_at:
            await asyncio.sleep(max(next_at - time.perf_counter(), 0))
            client_id = str(uuid.uuid4())
            content = f"{time.perf_counter():.9f}|{client_id}"
            frame = {
                "type": "group.message.send",
                "ref": client_id,
                "data": {"groupId": group_id, "content": content, "clientId": client_id},
            }
            try:
                await ws.send(orjson.dumps(frame).decode())
                sent.append(group_id)
                if sender_index in tally.unanswered:  # else closed: nothing will answer
                    tally.unanswered[sender_index] += 1
            except websockets.ConnectionClosed:
                send_errors += 1
                return
            next_at += interval

    stalls: list[float] = []
    probe = asyncio.create_task(_watch_stalls(stalls))
    load_before = os.getloadavg()[0]
    with collector_paused():
        started = time.perf_counter()
        await asyncio.gather(*(sender(i) for i in range(len(groups))))
        expected = tally.expected = sum(expected_per_message[gid] for gid in sent)
        tally.check_complete()
        try:
            await asyncio.wait_for(tally.complete.wait(), DRAIN_SECONDS)
        except asyncio.TimeoutError:
            pass  # what has not arrived by now counts as lost
    probe.cancel()
    load_after = os.getloadavg()[0]
    elapsed = (tally.last_delivery or time.perf_counter()) - started
    delivered = len(tally.seen)
    unanswered = sum(tally.unanswered.values())
    await _settle(tally)
    for reader in readers:
        reader.cancel()
    return {
        "messages_sent": len(sent),
        "send_errors": send_errors,
        "unanswered_at_drain": unanswered,
        "deliveries_expected": expected,
        "deliveries": delivered,
        "lost": expected - delivered,
        "duplicated": tally.duplicates,
        "deliveries_per_s": round(delivered / elapsed, 1) if elapsed > 0 else 0.0,
        **latency_summary(tally.latencies),
        # What else ran: the machine's 1-minute load average before and after, and the load
        # generator's stalls longer than STALL_SECONDS (count, longest).
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "generator_stalls": len(stalls),
        "generator_stall_max_ms": round(max(stalls, default=0.0) * 1000, 1),
    }


async def _warm_up(
    clients: list, groups: list[list[int]], group_ids: list[str], tally: Tally
) -> None:
    """One untimed message per group, and every delivery of it, before the load is timed.

    A freshly started server's first messages wait behind one-time costs (the first run of each
    statement and code path), and the first messages of a run queued behind them: the
    benchmark times the steady state (docs/performance.md, "The fan-out tail, warmed up").
    """
    tally.warm_up_left = sum(len(members) for members in groups)
    for members, group_id in zip(groups, group_ids, strict=True):
        client_id = str(uuid.uuid4())
        frame = {
            "type": "group.message.send",
            "ref": client_id,
            "data": {"groupId": group_id, "content": WARM_UP_PREFIX + client_id},
        }
        await clients[members[0]].send(orjson.dumps(frame).decode())
        tally.unanswered[members[0]] += 1
    try:
        await asyncio.wait_for(tally.warmed_up.wait(), WARM_UP_SECONDS)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{tally.warm_up_left} warm-up deliveries never arrived") from None


async def _watch_stalls(stalls: list[float]) -> None:
    while True:
        started = time.perf_counter()
        await asyncio.sleep(STALL_PROBE_SECONDS)
        late = time.perf_counter() - started - STALL_PROBE_SECONDS
        if late > STALL_SECONDS:
            stalls.append(late)


async def _settle(tally: Tally) -> None:
    """Until the server has answered every command sent on a connection still open (or
    SETTLE_SECONDS have passed).

    Each connection's commands run one at a time, and the frames behind the one running wait
    in the server's WebSocket layer; closing the clients and stopping the server with frames
    still waiting is what left "Task was destroyed but it is pending!" in its log.
    """
    tally.settling = True
    tally.check_answered()
    try:
        await asyncio.wait_for(tally.all_answered.wait(), SETTLE_SECONDS)
    except asyncio.TimeoutError:
        pass  # the server is stuck: what follows is its shutdown's to handle


async def _read(index: int, ws, tally: Tally) -> None:
    try:
        async for raw in ws:
            frame = orjson.loads(raw)
            if frame["type"] in ("ack", "error"):
                tally.unanswered[index] -= 1
                tally.check_answered()
                continue
            if frame["type"] != "group.message.create":
                continue
            now = time.perf_counter()
            content = frame["data"]["content"]
            if content.startswith(WARM_UP_PREFIX):
                tally.warm_up_left -= 1
                if not tally.warm_up_left:
                    tally.warmed_up.set()
                continue
            sent_at, client_id = content.split("|", 1)
            key = (index, client_id)
            if key in tally.seen:
                tally.duplicates += 1
                continue
            tally.seen.add(key)
            tally.latencies.append(now - float(sent_at))
            tally.last_delivery = now
            tally.check_complete()
    except websockets.ConnectionClosed:
        pass
    tally.unanswered.pop(index, None)
    tally.check_answered()


async def close_clients(clients: list) -> None:
    await asyncio.gather(*(ws.close() for ws in clients), return_exceptions=True)
