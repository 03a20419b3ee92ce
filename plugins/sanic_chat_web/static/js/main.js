// The client: sign-in, rooms, messages, members; wired to the REST API and the WebSocket.

import { ApiError, anonymous, call, del, get, patch, post } from "./api.js";
import { byId, el } from "./dom.js";
import { applyReactionAnswer, applyReactionEvent } from "./reactions.js";
import {
  countMessageEvent,
  lacksCount,
  markShownRead,
  notePeerRead,
  takeListFields,
  takePosition,
  takePositions,
  takeReadySnapshot,
} from "./reading.js";
import {
  cancelReply,
  drawReplyBar,
  forgetParentText,
  restoreReply,
  startReply,
  takeReply,
} from "./replies.js";
import { accept, forget, onChange, session } from "./session.js";
import { ChatSocket } from "./socket.js";
import {
  dropRoom,
  mergeConversation,
  mergeGroup,
  mergeMessage,
  messageRoomKey,
  roomKey,
  state,
} from "./store.js";
import {
  drawMembers,
  drawMessages,
  drawRoomHead,
  drawRooms,
  drawTyping,
  editingEntry,
  forgetMessageNodes,
} from "./views.js";

const PAGE = 50;
const TYPING_SEND_MS = 3000;
const TYPING_SHOW_MS = 5000;

const pending = new Map(); // room key -> Map(clientId -> message being sent)
const typing = new Map(); // room key -> Map(userId -> expiry time)
let lastTypingSent = 0;
let loadingOlder = false;
let roomsReload = null;

const socket = new ChatSocket({ onFrame: handleFrame, onState: showConnection });

const actions = { openRoom, startEdit, deleteMessage, removeMember, startReply, react, redraw };

// ---- helpers --------------------------------------------------------------------------------

function showError(error, where = "app-error") {
  const target = byId(where);
  target.textContent = error ? error.message || String(error) : "";
  if (error) setTimeout(() => target.textContent === error.message && (target.textContent = ""), 8000);
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const openRoomState = () => (state.openKey ? state.rooms.get(state.openKey) : null);
const roomPath = (room) => `/api/${room.kind}/${room.id}`;
const roomField = (room) => (room.kind === "group" ? "groupId" : "conversationId");

function redraw() {
  drawRooms(actions);
  const room = openRoomState();
  if (!room) return;
  drawRoomHead(room);
  if (room.kind === "group") drawMembers(room, actions);
  if (room.messages) drawMessages(room, actions, [...(pending.get(room.key)?.values() || [])]);
  drawTypingFor(room);
  drawReplyBar();
  // A mark that failed is tried again at the next redraw: nothing for the reader to do.
  markShownRead(room, sendMark).then(
    (marked) => marked && drawRooms(actions),
    () => {},
  );
}

// ---- sign-in --------------------------------------------------------------------------------

function showSignin() {
  socket.stop();
  state.rooms.clear();
  state.openKey = null;
  state.me = null;
  state.reads.clear();
  cancelReply();
  forgetMessageNodes();
  byId("app").hidden = true;
  byId("signin").hidden = false;
  byId("login-name").focus();
}

function showApp() {
  state.me = session().user;
  byId("signin").hidden = true;
  byId("app").hidden = false;
  byId("me").textContent = state.me.username;
  byId("room").hidden = true;
  showConnection("connecting");
  socket.start();
  loadRooms();
}

byId("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const name = form.name.value.trim();
  try {
    await signIn(name, form.password.value);
    form.reset();
  } catch (error) {
    showError(error, "signin-error");
  }
});

byId("register-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = {
    email: form.email.value.trim(),
    username: form.username.value.trim(),
    password: form.password.value,
  };
  try {
    await anonymous("POST", "/api/auth/register", body);
    await signIn(body.username, body.password);
    form.reset();
  } catch (error) {
    const fields = error.problem?.errors?.map((e) => `${e.field.replace("body.", "")}: ${e.message}`);
    showError(fields?.length ? new Error(fields.join("; ")) : error, "signin-error");
  }
});

async function signIn(name, password) {
  const body = name.includes("@") ? { email: name, password } : { username: name, password };
  accept(await anonymous("POST", "/api/auth/login", body));
  showError(null, "signin-error");
}

byId("signout").addEventListener("click", async () => {
  try {
    await anonymous("POST", "/api/auth/logout", {});
  } finally {
    forget();
  }
});

onChange((current) => {
  if (!current) showSignin();
  else if (byId("app").hidden || state.me?.id !== current.user.id) showApp();
});

// ---- rooms ----------------------------------------------------------------------------------

async function loadRooms() {
  // Only rooms known before asking can have been left: one an event added meanwhile is new.
  const known = new Set(state.rooms.keys());
  try {
    const [groups, conversations] = await Promise.all([get("/api/group"), get("/api/conversation")]);
    const seen = new Set();
    for (const group of groups.groups) {
      seen.add(mergeGroup(group).key);
      takeListFields("group", group, socket.cursor);
    }
    for (const conversation of conversations.conversations) {
      seen.add(mergeConversation(conversation).key);
      takeListFields("conversation", conversation, socket.cursor);
    }
    // Rooms left or removed from while this client was away.
    for (const key of known) if (!seen.has(key)) dropRoom(key);
    if (!openRoomState()) closeRoom();
    redraw();
  } catch (error) {
    showError(error);
  }
}

function reloadRoomsSoon() {
  clearTimeout(roomsReload);
  roomsReload = setTimeout(loadRooms, 200);
}

async function openRoom(key) {
  const room = state.rooms.get(key);
  if (!room) return;
  state.openKey = key;
  byId("room").hidden = false;
  byId("app").classList.add("in-room");
  byId("members").hidden = true;
  byId("members-toggle").setAttribute("aria-expanded", "false");
  redraw();
  if (!room.messages) await loadNewest(room);
  if (room.kind === "group") loadMembers(room);
  byId("messages").scrollTop = byId("messages").scrollHeight;
  byId("composer-input").focus();
}

function closeRoom() {
  state.openKey = null;
  byId("room").hidden = true;
  byId("app").classList.remove("in-room");
  drawRooms(actions);
}

async function loadNewest(room) {
  // The room holds messages from the request on: one that arrives live while the page loads
  // is kept (the page, read before it, may not have it), and the page merges in by id.
  const first = !room.messages;
  room.messages ??= new Map();
  try {
    const page = await get(`${roomPath(room)}/message?limit=${PAGE}`);
    for (const message of page.messages) mergeMessage(message);
    if (first) room.nextCursor = page.nextCursor;
    redraw();
  } catch (error) {
    if (first) room.messages = null; // read again when the room is next opened
    showError(error);
  }
}

async function loadOlder() {
  const room = openRoomState();
  if (!room?.nextCursor || loadingOlder) return;
  loadingOlder = true;
  try {
    const page = await get(`${roomPath(room)}/message?limit=${PAGE}&before=${room.nextCursor}`);
    for (const message of page.messages) mergeMessage(message);
    room.nextCursor = page.nextCursor;
    redraw();
  } catch (error) {
    showError(error);
  } finally {
    loadingOlder = false;
  }
}

async function loadMembers(room) {
  try {
    mergeGroup(await get(roomPath(room)));
    redraw();
  } catch (error) {
    showError(error);
  }
}

byId("older").addEventListener("click", loadOlder);
byId("messages").addEventListener("scroll", (event) => {
  if (event.target.scrollTop < 40) loadOlder();
});
byId("back").addEventListener("click", () => {
  const key = state.openKey;
  closeRoom();
  byId("rooms").querySelector(`[data-room="${key}"]`)?.focus();
});
byId("members-toggle").addEventListener("click", (event) => {
  const members = byId("members");
  members.hidden = !members.hidden;
  event.target.setAttribute("aria-expanded", String(!members.hidden));
});

// ---- finding people, creating rooms, membership ---------------------------------------------

async function findUsers(name, limit = 10) {
  const query = new URLSearchParams({ username: name, limit: String(limit) });
  return (await get(`/api/user/search?${query}`)).users;
}

byId("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const results = byId("search-results");
  try {
    const users = (await findUsers(event.target.username.value.trim())).filter(
      (user) => user.id !== state.me.id,
    );
    const items = users.map((user) =>
      el(
        "li",
        {},
        el("span", { text: user.username }),
        el("button", {
          type: "button",
          class: "link",
          text: "Message",
          "aria-label": `Message ${user.username}`,
          onclick: () => startConversation(user),
        }),
      ),
    );
    results.replaceChildren(...(items.length ? items : [el("li", { text: "Nobody found." })]));
  } catch (error) {
    showError(error);
  }
});

async function startConversation(user) {
  try {
    const conversation = await post("/api/conversation", { recipientId: user.id });
    const room = mergeConversation(conversation);
    byId("search-results").replaceChildren();
    byId("search-form").reset();
    await openRoom(room.key);
  } catch (error) {
    showError(error);
  }
}

byId("group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const room = mergeGroup(await post("/api/group", { title: event.target.title.value }));
    event.target.reset();
    await openRoom(room.key);
  } catch (error) {
    showError(error);
  }
});

byId("add-member-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const room = openRoomState();
  const name = event.target.username.value.trim().toLowerCase();
  try {
    const [user] = await findUsers(name, 1);
    if (!user || user.username !== name) throw new Error(`Nobody is called ${name}.`);
    const change = await post(`${roomPath(room)}/recipient`, { recipientId: user.id });
    if (change.group) mergeGroup(change.group);
    event.target.reset();
    redraw();
  } catch (error) {
    showError(error);
  }
});

async function removeMember(room, user) {
  try {
    const change = await del(`${roomPath(room)}/recipient`, { recipientId: user.id });
    if (change.group) mergeGroup(change.group);
    redraw();
    byId("add-member-input").focus();
  } catch (error) {
    showError(error);
  }
}

byId("leave").addEventListener("click", async () => {
  const room = openRoomState();
  if (!room || !confirm(`Leave ${room.title}?`)) return;
  try {
    await del(`${roomPath(room)}/leave`);
    dropRoom(room.key);
    closeRoom();
  } catch (error) {
    showError(error);
  }
});

// ---- sending, editing, deleting -------------------------------------------------------------

const composer = byId("composer-input");

composer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    byId("composer").requestSubmit();
  } else if (event.key === "Escape" && cancelReply(state.openKey)) event.preventDefault();
});

byId("reply-cancel").addEventListener("click", () => {
  cancelReply();
  composer.focus();
});

composer.addEventListener("input", () => {
  const room = openRoomState();
  if (!room || !socket.connected || Date.now() - lastTypingSent < TYPING_SEND_MS) return;
  lastTypingSent = Date.now();
  socket.command("typing", { [roomField(room)]: room.id }).catch(() => {});
});

byId("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const room = openRoomState();
  const content = composer.value;
  if (!room || !content.trim()) return;
  composer.value = "";
  lastTypingSent = 0;
  await sendMessage(room, content, takeReply(room));
});

async function sendMessage(room, content, reply) {
  const clientId = newClientId();
  const draft = {
    clientId,
    content,
    pending: true,
    author: state.me,
    createdAt: new Date().toISOString(),
    replyTo: reply,
  };
  if (!pending.has(room.key)) pending.set(room.key, new Map());
  pending.get(room.key).set(clientId, draft);
  redraw();
  // `replyTo` only when answering (a server without the replies plugin stores a plain message).
  const body = reply ? { content, clientId, replyTo: reply.id } : { content, clientId };
  const data = { [roomField(room)]: room.id, ...body };
  try {
    let stored;
    try {
      stored = await socket.command(`${room.kind}.message.send`, data);
    } catch (error) {
      if (error.status) throw error; // refused by the service: sending again would not help
      // Not connected, or the socket dropped before the ack: the same clientId over REST
      // returns the message if it was stored after all.
      stored = await post(`${roomPath(room)}/message`, body);
    }
    mergeMessage(stored);
  } catch (error) {
    if (!composer.value) {
      composer.value = content;
      restoreReply(room, reply);
    }
    showError(error instanceof ApiError || error.status ? error : new Error(`Not sent: ${error.message}`));
  } finally {
    pending.get(room.key).delete(clientId);
    redraw();
  }
}

function startEdit(room, message) {
  const entry = editingEntry(room, message);
  if (!entry || entry.editing) return;
  entry.editing = true;
  const content = entry.node.querySelector(".content");
  const input = el("textarea", { "aria-label": "New text of the message", rows: 2, maxlength: 4000 });
  input.value = message.content;
  const finish = () => {
    entry.editing = false;
    entry.sig = null; // rebuild from the stored version
    redraw();
    entry.node.isConnected && entry.node.querySelector("button")?.focus();
  };
  const save = async () => {
    try {
      mergeMessage(await patch(`${roomPath(room)}/message/${message.id}`, { content: input.value }));
      finish();
    } catch (error) {
      showError(error);
    }
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") finish();
  });
  const form = el(
    "div",
    { class: "row" },
    input,
    el("button", { type: "button", text: "Save", onclick: save }),
    el("button", { type: "button", class: "link", text: "Cancel", onclick: finish }),
  );
  content.replaceWith(form);
  input.focus();
}

async function deleteMessage(room, message) {
  if (!confirm("Delete this message?")) return;
  try {
    mergeMessage(await del(`${roomPath(room)}/message/${message.id}`));
    redraw();
    composer.focus();
  } catch (error) {
    showError(error);
  }
}

// ---- reactions and read marks -----------------------------------------------------------------

// A command over the socket, or its REST twin when the socket is not there.
async function commandOr(type, data, method, path, body) {
  try {
    return await socket.command(type, data);
  } catch (error) {
    if (error.status) throw error;
    return call(method, path, body);
  }
}

async function react(room, message, emoji, add) {
  const path = `${roomPath(room)}/message/${message.id}/reactions/${encodeURIComponent(emoji)}`;
  const data = { [roomField(room)]: room.id, messageId: message.id, emoji };
  try {
    const type = add ? "reaction.add" : "reaction.remove";
    applyReactionAnswer(room, await commandOr(type, data, add ? "PUT" : "DELETE", path));
  } catch (error) {
    showError(error);
  }
  redraw();
}

function sendMark(room, messageId) {
  const data = { [roomField(room)]: room.id, messageId };
  return commandOr(`${room.kind}.read.mark`, data, "POST", `${roomPath(room)}/read`, { messageId });
}

// The tab comes back into view: what the open room shows is now read.
document.addEventListener("visibilitychange", () => {
  const room = openRoomState();
  if (room && document.visibilityState === "visible") redraw();
});

// ---- live events ----------------------------------------------------------------------------

function showConnection(status) {
  const label = byId("connection");
  label.textContent = { online: "Connected", connecting: "Connecting…", offline: "Reconnecting…" }[
    status
  ];
  label.className = `connection${status === "online" ? "" : " offline"}`;
}

function handleFrame(frame) {
  const { type, data } = frame;
  const [kind, ...rest] = type.split(".");
  const event = rest.join(".");
  if (type === "ready") return resumed(data);
  if (["message.create", "message.edit", "message.delete"].includes(event)) {
    const key = messageRoomKey(data);
    const change = event.slice("message.".length);
    clearTyping(key, data.author.id);
    countMessageEvent(change, data, frame.cursor, key);
    const room = mergeMessage(data);
    if (!room) reloadRoomsSoon(); // a room this client has not heard of yet
    // Once receipts are known to come, the other person's messages move their position too.
    else if (change === "create" && room.peerReadId) notePeerRead(room, data.author.id, data.id);
    if (change === "delete") forgetParentText(key, data.id);
  } else if (event === "message.reaction") {
    applyReactionEvent(data);
  } else if (event === "read.update") {
    takePosition(kind, data);
  } else if (event === "receipt.update") {
    notePeerRead(state.rooms.get(messageRoomKey(data)), data.userId, data.messageId);
  } else if (["group.create", "group.update", "group.owner.update"].includes(type)) {
    if (lacksCount(mergeGroup(data).key)) reloadRoomsSoon();
  } else if (type.startsWith("group.user.")) {
    const key = roomKey("group", data.groupId);
    if (!data.group || (type !== "group.user.add" && data.user.id === state.me.id)) {
      dropRoom(key);
      if (!openRoomState()) closeRoom();
    } else if (lacksCount(mergeGroup(data.group).key)) reloadRoomsSoon();
  } else if (type === "conversation.create") {
    if (lacksCount(mergeConversation(data).key)) reloadRoomsSoon();
  } else if (type === "typing") {
    return noteTyping(data);
  } else if (type === "presence") {
    if (data.status === "online") state.online.add(data.userId);
    else state.online.delete(data.userId);
  } else if (type === "resync") {
    // Too much was missed to replay: every loaded history starts again from its newest page.
    for (const room of state.rooms.values()) room.messages = null;
    forgetMessageNodes();
    const room = openRoomState();
    if (room) loadNewest(room);
    loadRooms();
  } else if (type === "rooms.stale") {
    loadRooms();
    // Marks made through other workers meanwhile were lost with their `read.update`s.
    if (state.reads.size) get("/api/read-state").then(takePositions).then(redraw, () => {});
  }
  redraw();
}

// Each (re)connection: room changes are not replayed, so the room list is read again; message
// changes are, from the cursor, unless this client never had one (then the open room is read).
function resumed(ready) {
  if (ready.readState) takeReadySnapshot(ready.readState);
  state.online.clear();
  loadRooms();
  const room = openRoomState();
  if (room && !socket.cursor) loadNewest(room);
  if (room?.kind === "group") loadMembers(room);
}

function noteTyping({ userId, groupId, conversationId }) {
  if (userId === state.me.id) return;
  const key = groupId ? roomKey("group", groupId) : roomKey("conversation", conversationId);
  if (!typing.has(key)) typing.set(key, new Map());
  typing.get(key).set(userId, Date.now() + TYPING_SHOW_MS);
  setTimeout(redraw, TYPING_SHOW_MS + 50);
  redraw();
}

function clearTyping(key, userId) {
  typing.get(key)?.delete(userId);
}

function drawTypingFor(room) {
  const now = Date.now();
  const names = [];
  for (const [userId, until] of typing.get(room.key) || []) {
    if (until > now) names.push(state.usernames.get(userId) || "Someone");
  }
  drawTyping(names);
}

// ---- start ----------------------------------------------------------------------------------

if (session()) showApp();
else showSignin();
