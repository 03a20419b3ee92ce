// Drawing the state into the page. Message elements are kept by id and reused, so a redraw does
// not lose an edit in progress or the reader's place.

import { byId, el, time } from "./dom.js";
import { hasReactions, isPickerOpen, reactionBar } from "./reactions.js";
import { unreadCount } from "./reading.js";
import { canReply, quote, replyCountText } from "./replies.js";
import { messagesInOrder, roomsNewestFirst, state } from "./store.js";

const messageNodes = new Map();

export function roomLabel(room) {
  return room.kind === "group" ? room.title : `@${room.title}`;
}

function preview(message) {
  if (!message) return "No messages yet";
  const who = message.author.id === state.me.id ? "You" : message.author.username;
  return `${who}: ${message.deleted ? "message deleted" : message.content}`;
}

// The open room in sight is being read (its mark may still be on its way).
function shownUnread(room) {
  const reading = room.key === state.openKey && document.visibilityState === "visible";
  return reading ? 0 : unreadCount(room.key);
}

export function drawRooms(actions) {
  const list = byId("rooms");
  const rooms = roomsNewestFirst();
  const total = rooms.reduce((sum, room) => sum + shownUnread(room), 0);
  // A tab in the background says in its title that messages wait.
  document.title = total ? `(${total}) sanic-chat` : "sanic-chat";
  const items = rooms.map((room) => {
    const online = room.kind === "conversation" && state.online.has(room.recipient.id);
    const unread = shownUnread(room);
    return el(
      "li",
      {},
      el(
        "button",
        {
          type: "button",
          "aria-current": room.key === state.openKey ? "true" : "false",
          "data-room": room.key,
          onclick: () => actions.openRoom(room.key),
        },
        el(
          "span",
          { class: "title-row" },
          el("span", {
            class: `title${online ? " online-dot" : ""}`,
            text: roomLabel(room),
          }),
          unread
            ? el(
                "span",
                { class: "badge" },
                String(unread),
                el("span", { class: "visually-hidden", text: " unread" }),
              )
            : null,
        ),
        el("span", { class: "preview", text: preview(room.lastMessage) }),
      ),
    );
  });
  if (!items.length) items.push(el("li", { text: "No groups or conversations yet." }));
  list.replaceChildren(...items);
}

export function drawRoomHead(room) {
  byId("room-title").textContent = roomLabel(room);
  const presence = byId("room-presence");
  if (room.kind === "conversation") {
    const online = state.online.has(room.recipient.id);
    presence.textContent = online ? "online" : "";
    presence.className = `presence${online ? " online" : ""}`;
  } else {
    const count = room.members?.length;
    presence.textContent = count ? `${count} member${count === 1 ? "" : "s"}` : "";
    presence.className = "presence";
  }
  byId("members-toggle").hidden = room.kind !== "group";
  if (room.kind !== "group") byId("members").hidden = true;
}

export function drawMembers(room, actions) {
  const owner = room.ownerId === state.me.id;
  byId("add-member-form").hidden = !owner;
  const items = (room.members || []).map((user) => {
    const online = state.online.has(user.id) || user.id === state.me.id;
    const tags = [user.id === room.ownerId ? "owner" : null, online ? "online" : null];
    return el(
      "li",
      {},
      el("span", { class: online ? "online-dot" : "", text: user.username }),
      el("small", { text: tags.filter(Boolean).join(", ") }),
      owner && user.id !== state.me.id
        ? el("button", {
            type: "button",
            class: "link",
            text: "Remove",
            "aria-label": `Remove ${user.username}`,
            onclick: () => actions.removeMember(room, user),
          })
        : null,
    );
  });
  byId("member-list").replaceChildren(...items);
}

function showParent(parentId) {
  const parent = byId("messages").querySelector(`li[data-id="${parentId}"]`);
  if (!parent) return;
  parent.scrollIntoView({ block: "center" });
  parent.focus();
}

function messageNode(message, room, actions, seen) {
  const mine = message.author.id === state.me.id;
  const classes = ["message", mine && "mine", message.deleted && "deleted", message.pending && "pending"];
  const canDelete = !message.deleted && !message.pending && (mine || room.ownerId === state.me.id);
  const replies = replyCountText(message);
  return el(
    "li",
    { class: classes.filter(Boolean).join(" "), "data-id": message.id, tabindex: "-1" },
    el(
      "div",
      { class: "meta" },
      el("span", { class: "author", text: mine ? "You" : message.author.username }),
      time(message.createdAt),
      message.editedAt && !message.deleted ? el("span", { text: "(edited)" }) : null,
      message.pending ? el("span", { text: "sending…" }) : null,
      canReply(message)
        ? el("button", {
            type: "button",
            class: "link",
            text: "Reply",
            "aria-label": `Reply to ${mine ? "your message" : message.author.username}`,
            "data-control": "reply",
            onclick: () => actions.startReply(room, message),
          })
        : null,
      mine && !message.deleted && !message.pending
        ? el("button", {
            type: "button",
            class: "link",
            text: "Edit",
            "aria-label": "Edit message",
            "data-control": "edit",
            onclick: () => actions.startEdit(room, message),
          })
        : null,
      canDelete
        ? el("button", {
            type: "button",
            class: "link",
            text: "Delete",
            "aria-label": "Delete message",
            "data-control": "delete",
            onclick: () => actions.deleteMessage(room, message),
          })
        : null,
    ),
    message.replyTo ? quote(message.replyTo, () => showParent(message.replyTo.id)) : null,
    el("p", { class: "content", text: message.deleted ? "message deleted" : message.content }),
    replies || seen
      ? el(
          "div",
          { class: "footnotes" },
          replies ? el("span", { class: "reply-count", text: replies }) : null,
          seen ? el("span", { class: "seen", text: "Seen" }) : null,
        )
      : null,
    hasReactions(message) ? reactionBar(room, message, actions) : null,
  );
}

// Same message, same rendering: a node is rebuilt only when its version changed.
function signature(message, room, seen) {
  return JSON.stringify([
    message.content,
    message.editedAt,
    message.deleted,
    message.pending,
    room.ownerId,
    message.reactions,
    message.replyTo,
    message.replyCount,
    seen,
    isPickerOpen(room, message),
  ]);
}

// In a conversation, the newest of one's own messages the other person has read.
function seenMessageId(room, stored) {
  if (room.kind !== "conversation" || !room.peerReadId) return null;
  let seen = null;
  for (const message of stored) {
    if (message.id > room.peerReadId) break;
    if (message.author.id === state.me.id && !message.deleted) seen = message.id;
  }
  return seen;
}

// A redraw replaces the node holding the focus: give it to the same control in the new one (or
// to the message's reaction toggle, when that control went away with a picker or a reaction).
function focusedControl(list) {
  const active = document.activeElement;
  const item = active?.closest?.("#messages > li");
  if (!item || !list.contains(active)) return null;
  return { id: item.dataset.id, control: active.dataset.control ?? null, active };
}

function restoreFocus(list, focused) {
  // Even a node put back in place loses the focus when it is taken out.
  if (!focused || document.activeElement === focused.active) return;
  if (focused.active.isConnected) return focused.active.focus({ preventScroll: true });
  const item = list.querySelector(`:scope > li[data-id="${focused.id}"]`);
  if (!item) return;
  const controls = focused.control ? [...item.querySelectorAll("[data-control]")] : [];
  const target =
    controls.find((node) => node.dataset.control === focused.control) ||
    controls.find((node) => node.dataset.control === "picker") ||
    item;
  target.focus({ preventScroll: true });
}

export function drawMessages(room, actions, pending = []) {
  const list = byId("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const heightBefore = list.scrollHeight;
  const firstBefore = list.firstElementChild;
  const focused = focusedControl(list);
  const nodes = [];
  const stored = messagesInOrder(room);
  const seenId = seenMessageId(room, stored);
  // The event of a message sent from here can beat its ack: once stored, the draft goes.
  const storedIds = new Set(stored.map((message) => message.clientId).filter(Boolean));
  const drafts = pending.filter((draft) => !storedIds.has(draft.clientId));
  for (const message of [...stored, ...drafts]) {
    const key = `${room.key}:${message.pending ? message.clientId : message.id}`;
    const seen = !message.pending && message.id === seenId;
    const sig = signature(message, room, seen);
    let entry = messageNodes.get(key);
    if (!entry || entry.sig !== sig) {
      if (entry?.editing) {
        nodes.push(entry.node);
        continue;
      }
      entry = { node: messageNode(message, room, actions, seen), sig };
      messageNodes.set(key, entry);
    }
    nodes.push(entry.node);
  }
  list.replaceChildren(...nodes);
  restoreFocus(list, focused);
  byId("older").hidden = !room.nextCursor;
  if (atBottom) list.scrollTop = list.scrollHeight;
  else if (firstBefore && list.firstElementChild !== firstBefore) {
    // Older messages went in above: keep the reader's place.
    list.scrollTop += list.scrollHeight - heightBefore;
  }
}

export function editingEntry(room, message) {
  return messageNodes.get(`${room.key}:${message.id}`);
}

export function forgetMessageNodes() {
  messageNodes.clear();
}

export function drawTyping(names) {
  const text =
    names.length === 0
      ? ""
      : names.length === 1
        ? `${names[0]} is typing…`
        : `${names.join(", ")} are typing…`;
  byId("typing").textContent = text;
}
