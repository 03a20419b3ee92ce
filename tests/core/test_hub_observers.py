"""`Hub.observe`: another transport of the worker sees every event the hub delivers."""

from __future__ import annotations

import logging
import uuid

from sanic_chat.hub import Hub, Outgoing, encode_frame


async def test_observers_see_every_delivery_and_a_failing_one_is_skipped(caplog):
    hub = Hub()
    seen: list[Outgoing] = []

    def broken(outgoing: Outgoing) -> None:
        raise RuntimeError("observer bug")

    hub.observe(broken)
    hub.observe(seen.append)
    first = Outgoing(encode_frame("group.update", {"id": "g"}), frozenset({uuid.uuid4()}))
    second = Outgoing(encode_frame("group.message.create", {}), frozenset({uuid.uuid4()}), 7)
    with caplog.at_level(logging.ERROR, logger="sanic_chat.hub"):
        hub.deliver(first)
        hub.deliver(second)
    assert seen == [first, second]
    assert [r.getMessage() for r in caplog.records].count(f"hub observer {broken!r} failed") == 2
