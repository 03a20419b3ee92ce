"""The web client keeps unread badges by docs/read-state.md's rule, in the browser's own modules.

A `<kind>.read.update` takes no place in the cursor order: it can reach a device after message
events its count does not hold (the fault drills see it happen, `tests/drills/badges.py`). The
client must count those again on top of the update, and must not count twice the ones it holds.
The race cannot be arranged through a live server on demand, so the frames are handed to the
client's reading module directly, as `main.js` hands them over.
"""

from __future__ import annotations

LATE_UPDATE = """async () => {
  const { state } = await import("/web/js/store.js");
  const reading = await import("/web/js/reading.js");
  state.me = { id: "me" };
  const key = "group:g";
  const someone = { id: "someone" };
  const position = (lastReadMessageId, unreadCount, asOf) =>
    reading.takePosition("group", { groupId: "g", lastReadMessageId, unreadCount, asOf });
  // ready: 2 unread after message 90, exact up to cursor 100.
  reading.takeReadySnapshot({
    asOf: "100",
    rooms: [{ type: "group", groupId: "g", unreadCount: 2, lastReadMessageId: 90 }],
  });
  // Message 101 arrives live: 3.
  reading.countMessageEvent("create", { id: 101, author: someone, groupId: "g" }, "101", key);
  const live = reading.unreadCount(key);
  // Then a mark made on another device before 101 was sent: its count (1, as of cursor 100)
  // does not hold 101.
  position(95, 1, "100");
  const late = reading.unreadCount(key);
  // A later mark whose count holds 101 already: taken as it is.
  position(96, 1, "101");
  const held = reading.unreadCount(key);
  // One that is not newer repeats what the badge has: skipped.
  position(95, 7, "90");
  return [live, late, held, reading.unreadCount(key)];
}"""


async def test_a_late_read_update_keeps_the_messages_it_does_not_hold(server, people):
    page = await people.new()
    await page.goto(server.http)
    assert await page.evaluate(LATE_UPDATE) == [3, 2, 1, 1]
