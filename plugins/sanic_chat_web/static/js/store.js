// What the client knows: rooms (groups and conversations), their loaded messages, users'
// names and presence. Every source (REST pages, live events, a resume's replay, acks) goes
// through the same merges, keyed by id, so nothing shows twice whatever order they arrive in.

export const state = {
  me: null,
  rooms: new Map(),
  usernames: new Map(),
  online: new Set(),
  openKey: null,
  // Room key -> {unread, lastReadId, asOf}: only with the read-state plugin (see reading.js).
  reads: new Map(),
};

export const roomKey = (kind, id) => `${kind}:${id}`;

export function messageRoomKey(message) {
  return message.groupId
    ? roomKey("group", message.groupId)
    : roomKey("conversation", message.conversationId);
}

export function rememberUsers(users) {
  for (const user of users) if (user) state.usernames.set(user.id, user.username);
}

function room(kind, id) {
  const key = roomKey(kind, id);
  let known = state.rooms.get(key);
  if (!known) {
    known = { key, kind, id, messages: null, nextCursor: null, members: null, peerReadId: null };
    state.rooms.set(key, known);
  }
  return known;
}

export function mergeGroup(group) {
  const known = room("group", group.id);
  known.title = group.title;
  known.ownerId = group.ownerId ?? group.owner?.id ?? known.ownerId;
  known.lastActivityAt = group.lastActivityAt ?? known.lastActivityAt ?? group.createdAt;
  if (group.lastMessage) mergeMessage(group.lastMessage);
  if (group.users) {
    known.members = group.users;
    rememberUsers(group.users);
  }
  return known;
}

export function mergeConversation(conversation) {
  const known = room("conversation", conversation.id);
  known.recipient = conversation.recipient;
  known.title = conversation.recipient.username;
  known.members = conversation.users;
  rememberUsers(conversation.users);
  known.lastActivityAt =
    conversation.lastActivityAt ?? known.lastActivityAt ?? conversation.createdAt;
  if (conversation.lastMessage) mergeMessage(conversation.lastMessage);
  return known;
}

export function dropRoom(key) {
  state.rooms.delete(key);
  if (state.openKey === key) state.openKey = null;
}

// Timestamps compared as instants: their texts may differ in precision.
const at = (iso) => (iso ? Date.parse(iso) : 0);

// Live frames go to every member alike, so their reactions cannot say `me`: keep ours.
function withMine(reactions, before) {
  return reactions?.map((reaction) =>
    "me" in reaction
      ? reaction
      : { ...reaction, me: before?.find((old) => old.emoji === reaction.emoji)?.me ?? false },
  );
}

// Which of two versions of a message is newer: a delete is final, then the later edit wins. An
// equal `editedAt` is the same text with newer fields of plugins (reactions, reply counts).
function newer(a, b) {
  if (a.deleted !== b.deleted) return a.deleted ? a : b;
  if (at(a.editedAt) > at(b.editedAt)) return a;
  return b.reactions ? { ...b, reactions: withMine(b.reactions, a.reactions) } : b;
}

// Returns the room the message belongs to, or null for a room this client does not know.
export function mergeMessage(message) {
  const known = state.rooms.get(messageRoomKey(message));
  if (!known) return null;
  rememberUsers([message.author]);
  const last = known.lastMessage;
  if (!last || message.id > last.id) {
    known.lastMessage = message;
    if (at(message.createdAt) > at(known.lastActivityAt)) {
      known.lastActivityAt = message.createdAt;
    }
  } else if (message.id === last.id) {
    known.lastMessage = newer(last, message);
  }
  if (known.messages) {
    const stored = known.messages.get(message.id);
    known.messages.set(message.id, stored ? newer(stored, message) : message);
  }
  return known;
}

// Replace a stored message by a changed copy, wherever the room holds it.
export function updateMessage(key, id, change) {
  const known = state.rooms.get(key);
  const stored = known?.messages?.get(id);
  if (stored) known.messages.set(id, { ...stored, ...change(stored) });
  const last = known?.lastMessage;
  if (last?.id === id) known.lastMessage = { ...last, ...change(last) };
  return known;
}

export function roomsNewestFirst() {
  return [...state.rooms.values()].sort((a, b) => at(b.lastActivityAt) - at(a.lastActivityAt));
}

export function messagesInOrder(known) {
  return [...known.messages.values()].sort((a, b) => a.id - b.id);
}
