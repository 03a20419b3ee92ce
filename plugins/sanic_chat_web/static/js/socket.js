// The WebSocket to /ws: reconnects with backoff, resumes with `?since=` from the last message
// cursor seen, and answers commands through their `ref`.

import { refresh, session } from "./session.js";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const COMMAND_TIMEOUT_MS = 10_000;
// Closes after which reconnecting cannot help until something changes.
const AUTH_FAILED = 4401;
// A socket can die without a close (a laptop lid, a dropped Wi-Fi): ask the server now and then.
const HEARTBEAT_MS = 25_000;

export class ChatSocket {
  constructor({ onFrame, onState }) {
    this.onFrame = onFrame;
    this.onState = onState;
    this.cursor = null;
    this.ws = null;
    this.attempt = 0;
    this.nextRef = 1;
    this.pending = new Map();
    this.stopped = true;
    this.retryTimer = null;
    window.addEventListener("online", () => this.reconnectNow());
    // The browser knows the network is gone: drop the socket now rather than at the next ping.
    window.addEventListener("offline", () => this.drop());
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.cursor = null;
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  get connected() {
    return this.ws?.readyState === WebSocket.OPEN && this.ready;
  }

  reconnectNow() {
    if (this.stopped || this.connected) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  }

  heartbeat() {
    const ws = this.ws;
    if (!this.connected) return;
    this.command("ping", {}).catch(() => {
      if (ws === this.ws) this.drop();
    });
  }

  // Give up on the socket at once: a close handshake cannot complete over a dead network.
  drop() {
    const ws = this.ws;
    if (!ws || this.stopped) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.close(4000, "connection lost");
    this.closed(ws, { code: 4000 }, session()?.accessToken);
  }

  open() {
    const token = session()?.accessToken;
    if (this.stopped || !token) return;
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", token);
    if (this.cursor) url.searchParams.set("since", this.cursor);
    const ws = new WebSocket(url);
    this.ws = ws;
    this.ready = false;
    this.onState("connecting");
    ws.onmessage = (message) => this.receive(ws, message);
    ws.onclose = (event) => this.closed(ws, event, token);
  }

  receive(ws, message) {
    if (ws !== this.ws) return;
    const frame = JSON.parse(message.data);
    if (frame.cursor) this.cursor = frame.cursor;
    if (frame.type === "ack" || frame.type === "error") {
      const waiting = this.pending.get(frame.ref);
      if (waiting) {
        this.pending.delete(frame.ref);
        waiting(frame);
      }
      return;
    }
    if (frame.type === "ready") {
      this.ready = true;
      this.attempt = 0;
      this.onState("online", frame);
    }
    this.onFrame(frame);
  }

  async closed(ws, event, token) {
    if (ws !== this.ws) return;
    this.ready = false;
    for (const [ref, waiting] of this.pending) {
      this.pending.delete(ref);
      waiting({ type: "error", error: { detail: "The connection dropped." } });
    }
    if (this.stopped) return;
    this.onState("offline");
    if (event.code === AUTH_FAILED) {
      try {
        await refresh(token);
      } catch {
        return; // signed out: the session listener shows the sign-in screen
      }
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    // Jitter, so that every client of a restarted server does not come back at once.
    this.retryTimer = setTimeout(() => this.open(), delay * (0.5 + Math.random() / 2));
  }

  // Send a command; resolves with the ack's data, rejects with the error's problem document.
  command(type, data) {
    if (!this.connected) return Promise.reject(new Error("offline"));
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error("No answer from the server."));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(ref, (frame) => {
        clearTimeout(timer);
        if (frame.type === "ack") resolve(frame.data);
        else reject(Object.assign(new Error(frame.error?.detail || "Refused."), frame.error));
      });
      this.ws.send(JSON.stringify({ type, ref, data }));
    });
  }
}
