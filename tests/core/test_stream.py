"""The cursor stream on its own: the order it delivers in, and what it reads back.

The changes "committed" here stand for the database's message table: `read_after` and `newest`
answer from them as `changes.ChangeLog` answers from PostgreSQL (whose part is covered by the
live tests in test_cluster.py and the fault drills).
"""

from __future__ import annotations

import asyncio
import json

from sanic_chat.changes import Change
from sanic_chat.hub import Outgoing, encode_frame
from sanic_chat.stream import FILL_BATCH, CursorStream

GAP_WAIT = 0.05


class Committed:
    """Message changes as a database holds them: the latest state of each message."""

    def __init__(self) -> None:
        self.by_message: dict[int, Change] = {}
        self.reads = 0

    def commit(self, cursor: int, message_id: int | None = None, content: str = "") -> Change:
        message_id = cursor if message_id is None else message_id
        change = Change(cursor, "group", message_id, False, {"id": message_id, "c": content})
        self.by_message[message_id] = change
        return change

    async def read_after(self, after: int, limit: int) -> tuple[list[Change], int]:
        self.reads += 1
        changes = sorted(
            (c for c in self.by_message.values() if c.cursor > after), key=lambda c: c.cursor
        )[:limit]
        return changes, changes[-1].cursor if changes else after

    async def newest(self) -> int:
        return max((c.cursor for c in self.by_message.values()), default=0)


def live(change: Change, action: str = "create") -> Outgoing:
    frame = encode_frame(f"group.message.{action}", change.view, change.cursor)
    return Outgoing(frame, frozenset(), change.cursor)


async def started(committed: Committed, poll_every: float = 60) -> tuple[CursorStream, list]:
    delivered: list[tuple[str, int]] = []

    def deliver(outgoing: Outgoing) -> None:
        frame = json.loads(outgoing.frame)
        delivered.append((frame["type"].rsplit(".", 1)[1], int(frame["cursor"])))

    stream = CursorStream(
        deliver, committed.read_after, committed.newest, GAP_WAIT, poll_every=poll_every
    )
    await stream.start()
    return stream, delivered


async def test_events_arriving_out_of_order_are_delivered_in_order():
    committed = Committed()
    stream, delivered = await started(committed)
    one, two, three = (committed.commit(n) for n in (1, 2, 3))
    stream.offer(live(three))
    stream.offer(live(one))
    assert delivered == [("create", 1)]  # 3 waits for 2
    stream.offer(live(two))
    assert delivered == [("create", 1), ("create", 2), ("create", 3)]
    stream.offer(live(two))  # a second copy (a retried publish) is dropped
    assert len(delivered) == 3
    assert committed.reads == 0
    await stream.stop()


async def test_a_missing_event_is_read_from_the_database_before_the_later_ones():
    committed = Committed()
    stream, delivered = await started(committed)
    committed.commit(1, content="lost with the broker")
    two = committed.commit(2)
    stream.offer(live(two))
    assert delivered == []
    await asyncio.sleep(GAP_WAIT * 4)
    assert delivered == [("create", 1), ("create", 2)]
    await stream.stop()


async def test_a_position_nothing_committed_holds_nothing_back_for_long():
    committed = Committed()
    stream, delivered = await started(committed)
    # Position 1 went to an insert that rolled back: it will never exist.
    two = committed.commit(2)
    stream.offer(live(two))
    await asyncio.sleep(GAP_WAIT * 4)
    assert delivered == [("create", 2)]
    three = committed.commit(3)
    stream.offer(live(three))
    assert delivered[-1] == ("create", 3)
    await stream.stop()


async def test_a_message_delivered_while_the_database_answered_comes_back_as_an_edit():
    committed = Committed()
    stream, delivered = await started(committed)
    created = committed.commit(2, content="first")
    stream.offer(live(created))  # position 1 is missing: 2 waits, a read will follow
    await asyncio.sleep(GAP_WAIT / 2)
    committed.commit(1)
    committed.commit(3, message_id=2, content="edited")  # message 2 edited at cursor 3
    await asyncio.sleep(GAP_WAIT * 4)
    assert delivered == [("create", 1), ("create", 3)]  # message 2 once, with its latest state
    await stream.stop()

    committed = Committed()
    stream, delivered = await started(committed)
    first = committed.commit(1)
    stream.offer(live(first))
    committed.commit(3, message_id=1, content="edited")  # no event announces the edit
    await stream._fill()
    assert delivered == [("create", 1), ("edit", 3)]
    await stream.stop()


async def test_a_message_created_in_a_gap_and_changed_since_still_comes_as_a_create():
    """Read back, a message created in the gap but changed after later ones were created
    comes after them: it is still new to this worker's clients, so a create, not an edit."""
    committed = Committed()
    stream, delivered = await started(committed)
    committed.commit(1, content="created, its event lost with the broker")
    committed.commit(2)
    committed.commit(3, message_id=1, content="reacted to")  # message 1 changed at cursor 3
    await stream._fill()
    assert delivered == [("create", 2), ("create", 3)]
    await stream.stop()


async def test_a_change_no_event_announced_is_found_by_looking_at_the_newest_cursor():
    committed = Committed()
    stream, delivered = await started(committed, poll_every=GAP_WAIT)
    committed.commit(1, content="stored by a worker killed before it published")
    await asyncio.sleep(GAP_WAIT * 6)
    assert delivered == [("create", 1)]
    await stream.stop()


async def test_it_starts_after_what_the_database_already_holds():
    committed = Committed()
    old = committed.commit(1)
    stream, delivered = await started(committed)
    stream.offer(live(old))
    assert stream.position == 1
    assert delivered == []
    await stream.stop()


async def test_a_backlog_longer_than_one_read_is_read_to_its_end_at_once():
    committed = Committed()
    stream, delivered = await started(committed)
    backlog = [committed.commit(n) for n in range(1, FILL_BATCH * 2 + 50)]
    stream.offer(live(backlog[-1]))  # the last one arrives; everything before it is missing
    await asyncio.sleep(GAP_WAIT * 6)
    assert [cursor for _, cursor in delivered] == [change.cursor for change in backlog]
    assert committed.reads == 3
    await stream.stop()
