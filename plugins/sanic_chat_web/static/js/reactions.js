// Reactions under a message: its emoji with their counts (pressed where one is yours), and a
// small picker of common emoji. Only where the reactions plugin runs: its messages carry
// `reactions`; without it the field is absent and none of this is drawn.

import { el } from "./dom.js";
import { messageRoomKey, state, updateMessage } from "./store.js";

const COMMON_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

let pickerOpenFor = null; // room key and message id of the open picker, or null

export const hasReactions = (message) =>
  Array.isArray(message.reactions) && !message.deleted && !message.pending;

function pickerKey(room, message) {
  return `${room.key}:${message.id}`;
}

export function isPickerOpen(room, message) {
  return pickerOpenFor === pickerKey(room, message);
}

function countLabel(reaction) {
  const people = `${reaction.count} ${reaction.count === 1 ? "reaction" : "reactions"}`;
  return `${reaction.emoji} ${people}${reaction.me ? ", including yours" : ""}`;
}

// `actions.react(room, message, emoji, add)` changes one's own reaction; `actions.redraw()`.
export function reactionBar(room, message, actions) {
  const chips = message.reactions.map((reaction) =>
    el(
      "button",
      {
        type: "button",
        class: `chip${reaction.me ? " mine" : ""}`,
        "aria-pressed": reaction.me ? "true" : "false",
        "aria-label": countLabel(reaction),
        "data-control": `reaction:${reaction.emoji}`,
        onclick: () => actions.react(room, message, reaction.emoji, !reaction.me),
      },
      el("span", { "aria-hidden": "true", text: `${reaction.emoji} ${reaction.count}` }),
    ),
  );
  const open = isPickerOpen(room, message);
  const toggle = el("button", {
    type: "button",
    class: "chip add",
    text: "+☺",
    "aria-label": "Add a reaction",
    "aria-expanded": open ? "true" : "false",
    "data-control": "picker",
    onclick: () => {
      pickerOpenFor = open ? null : pickerKey(room, message);
      actions.redraw();
      document.querySelector("#messages .picker")?.scrollIntoView({ block: "nearest" });
    },
  });
  const mine = new Set(message.reactions.filter((r) => r.me).map((r) => r.emoji));
  const picker = open
    ? el(
        "div",
        {
          class: "picker",
          role: "group",
          "aria-label": "Pick a reaction",
          onkeydown: (event) => {
            if (event.key !== "Escape") return;
            event.stopPropagation();
            pickerOpenFor = null;
            actions.redraw();
          },
        },
        COMMON_EMOJI.map((emoji) =>
          el("button", {
            type: "button",
            class: "chip",
            text: emoji,
            "aria-label": `React with ${emoji}`,
            "aria-pressed": mine.has(emoji) ? "true" : "false",
            "data-control": `pick:${emoji}`,
            onclick: () => {
              pickerOpenFor = null;
              actions.react(room, message, emoji, !mine.has(emoji));
            },
          }),
        ),
      )
    : null;
  const props = { class: "reactions", role: "group", "aria-label": "Reactions" };
  return el("div", props, chips, toggle, picker);
}

// `<kind>.message.reaction`: the counts as of its cursor. `me` changes only for our own.
export function applyReactionEvent(event) {
  const key = messageRoomKey(event);
  return updateMessage(key, event.messageId, (message) => ({
    reactions: event.reactions.map((reaction) => {
      const ours = event.userId === state.me.id && reaction.emoji === event.emoji;
      const before = message.reactions?.find((old) => old.emoji === reaction.emoji)?.me ?? false;
      return { ...reaction, me: ours ? event.action === "add" : before };
    }),
  }));
}

// The answer to one's own change: the message's reactions as this user sees them.
export function applyReactionAnswer(room, answer) {
  updateMessage(room.key, answer.messageId, () => ({ reactions: answer.reactions }));
}
