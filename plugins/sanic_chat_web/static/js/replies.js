// Replies: the message the composer answers, the quote a reply shows of its parent, and a
// parent's count. Only where the replies plugin runs: its messages carry `replyCount`; without
// it the field is absent and no Reply action is offered.

import { byId, el } from "./dom.js";
import { state, updateMessage } from "./store.js";

const SNIPPET = 100; // what the service quotes of a parent

let replyingTo = null; // {roomKey, id, authorName, snippet} of the message being answered

export const canReply = (message) =>
  typeof message.replyCount === "number" && !message.deleted && !message.pending;

export function startReply(room, message) {
  const list = byId("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  replyingTo = {
    roomKey: room.key,
    id: message.id,
    authorName: message.author.username,
    snippet: message.content.slice(0, SNIPPET),
  };
  drawReplyBar();
  // The bar takes room from the messages: keep the newest in view if they were.
  if (atBottom) list.scrollTop = list.scrollHeight;
  byId("composer-input").focus();
}

// Stop answering (only in room `key`, when given); whether there was anything to cancel.
export function cancelReply(key) {
  if (!replyingTo || (key && replyingTo.roomKey !== key)) return false;
  replyingTo = null;
  drawReplyBar();
  return true;
}

// What a send in this room answers, taken out of the composer: `{id, authorName, snippet}`.
export function takeReply(room) {
  if (replyingTo?.roomKey !== room.key) return null;
  const { id, authorName, snippet } = replyingTo;
  replyingTo = null;
  drawReplyBar();
  return { id, authorName, snippet };
}

// A send that failed: the composer answers the same message again.
export function restoreReply(room, reply) {
  if (!reply || replyingTo) return;
  replyingTo = { roomKey: room.key, ...reply };
  drawReplyBar();
}

export function drawReplyBar() {
  const shown = replyingTo && replyingTo.roomKey === state.openKey;
  byId("reply-bar").hidden = !shown;
  byId("reply-text").textContent = shown
    ? `Replying to ${replyingTo.authorName}: ${replyingTo.snippet}`
    : "";
}

// The parent as a reply shows it: its author and the start of its text, or that it is gone.
export function quote(replyTo, onclick) {
  return el(
    "button",
    {
      type: "button",
      class: "quote",
      "aria-label": `In reply to ${replyTo.authorName}: ${replyTo.snippet ?? "deleted message"}`,
      "data-control": "quote",
      onclick,
    },
    el("span", { class: "quote-author", text: replyTo.authorName }),
    el("span", {
      class: replyTo.snippet === null ? "quote-text gone" : "quote-text",
      text: replyTo.snippet ?? "deleted message",
    }),
  );
}

export function replyCountText(message) {
  const count = message.replyCount;
  return count ? `${count} ${count === 1 ? "reply" : "replies"}` : null;
}

// A parent deleted: the replies this client holds keep pointing at it, without its text.
export function forgetParentText(key, parentId) {
  const known = state.rooms.get(key);
  for (const message of known?.messages?.values() || []) {
    if (message.replyTo?.id === parentId) {
      updateMessage(key, message.id, (stored) => ({
        replyTo: { ...stored.replyTo, snippet: null },
      }));
    }
  }
}
