// Unread counts, read marks and receipts: only where the read-state plugin runs, which the
// client knows from `unreadCount` on the room lists and `readState` in `ready`. Without them
// `state.reads` stays empty and nothing here shows or sends anything.
//
// Counts follow docs/read-state.md: a snapshot exact up to a cursor (`asOf`), then the message
// events above that cursor, then the reader's own marks (`<kind>.read.update`).

import { roomKey, state } from "./store.js";

const KIND_ID_FIELDS = { group: "groupId", conversation: "conversationId" };

function keyOf(kind, data) {
  return roomKey(kind, data[KIND_ID_FIELDS[kind]]);
}

let running = false; // the service has the plugin: a room without a count is one to fetch

const above = (cursor, asOf) => asOf == null || (cursor != null && BigInt(cursor) > BigInt(asOf));

// A `read.update` takes no place in the cursor order: it can come after message events its count
// does not hold. So each room keeps the message events above its `asOf`, to count them again on
// top of a position it takes. A mark comes soon after them in practice; the bound keeps a room
// nobody reads from holding every message.
const HELD_EVENTS = 500;

const snapshot = (unread, lastReadId, asOf) => ({ unread, lastReadId, asOf, events: [] });

// `ready`'s snapshot: every room's count, exact up to its `asOf`.
export function takeReadySnapshot(readState) {
  running = true;
  state.reads.clear();
  for (const room of readState.rooms) {
    state.reads.set(
      keyOf(room.type, room),
      snapshot(room.unreadCount, room.lastReadMessageId, readState.asOf),
    );
  }
}

// A room list's fields, for a room `ready` did not know (one joined since). The list has no
// cursor of its own: the newest one this client has seen is the nearest to it.
export function takeListFields(kind, room, cursor) {
  const key = roomKey(kind, room.id);
  if (!("unreadCount" in room) || state.reads.has(key)) return;
  running = true;
  state.reads.set(key, snapshot(room.unreadCount, room.lastReadMessageId, cursor));
}

// The reader's own position (a mark's answer or a `<kind>.read.update`), when it is newer.
export function takePosition(kind, position) {
  const key = keyOf(kind, position);
  const held = state.reads.get(key);
  if (held && held.lastReadId != null && position.lastReadMessageId <= held.lastReadId) return;
  const taken = snapshot(position.unreadCount, position.lastReadMessageId, position.asOf);
  taken.events = (held?.events || []).filter((event) => above(event.cursor, position.asOf));
  state.reads.set(key, taken);
  for (const { change, message } of taken.events) count(taken, change, message);
}

// `GET /api/read-state` after `rooms.stale`: the other workers' `read.update`s may be lost.
export function takePositions(readState) {
  for (const room of readState.rooms) takePosition(room.type, { ...room, asOf: readState.asOf });
}

// A message event (`create`, `edit` or `delete`) with its frame's cursor.
export function countMessageEvent(change, message, cursor, key) {
  const held = state.reads.get(key);
  if (!held || !above(cursor, held.asOf) || change === "edit") return;
  held.events.push({ cursor, change, message });
  if (held.events.length > HELD_EVENTS) held.events.shift();
  count(held, change, message);
}

function count(held, change, message) {
  if (message.author.id === state.me.id) {
    // Sending marks one's own room read up to the message sent, on the server: no event says so.
    if (change === "create" && !(held.lastReadId >= message.id)) {
      held.lastReadId = message.id;
      held.unread = 0;
    }
    return;
  }
  if (held.lastReadId != null && message.id <= held.lastReadId) return;
  if (change === "create" && !message.deleted) held.unread += 1;
  if (change === "delete") held.unread = Math.max(held.unread - 1, 0);
}

// A room that came in an event (created, or joined) has no count yet: the room list has it.
export function lacksCount(key) {
  return running && !state.reads.has(key);
}

export function unreadCount(key) {
  return state.reads.get(key)?.unread ?? 0;
}

// How far the other person of a conversation has read: from their receipts, and then from their
// own messages (sending moves the sender's position to what they sent).
export function notePeerRead(room, userId, messageId) {
  if (room?.kind !== "conversation" || userId === state.me.id) return;
  if (!(room.peerReadId >= messageId)) room.peerReadId = messageId;
}

const inFlight = new Map(); // room key -> message id being marked

// Mark the open room read up to the newest message it shows, when this tab is seen. Whether
// it marked anything.
export async function markShownRead(room, send) {
  const held = state.reads.get(room.key);
  if (!held || !room.messages || document.visibilityState !== "visible") return false;
  let newest = 0;
  for (const id of room.messages.keys()) if (id > newest) newest = id;
  if (!newest || held.lastReadId >= newest || inFlight.get(room.key) >= newest) return false;
  inFlight.set(room.key, newest);
  try {
    takePosition(room.kind, await send(room, newest));
    return true;
  } finally {
    if (inFlight.get(room.key) === newest) inFlight.delete(room.key);
  }
}
