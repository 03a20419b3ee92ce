// The signed-in session, shared by every tab of this browser.
//
// The refresh token lives only in the service's httpOnly cookie, out of reach of scripts. The
// short-lived access token is kept in localStorage so other tabs (and reloads) use it too. A
// refresh token works once and presenting a used one revokes the whole session, so tabs refresh
// one at a time under a Web Lock, and a tab that waited takes the token the other one got.

const STORE = "sanic-chat.session";
const LOCK = "sanic-chat.refresh";
// Refresh this long before the access token expires (or at 80 % of its life if shorter).
const EARLY_MS = 60_000;

let current = load();
let timer = null;
const listeners = new Set();

function load() {
  try {
    return JSON.parse(localStorage.getItem(STORE)) || null;
  } catch {
    return null;
  }
}

function save(session) {
  current = session;
  if (session) localStorage.setItem(STORE, JSON.stringify(session));
  else localStorage.removeItem(STORE);
  schedule();
  for (const listener of listeners) listener(current);
}

export function session() {
  return current;
}

export function onChange(listener) {
  listeners.add(listener);
}

export function accept(tokenAnswer) {
  save({
    accessToken: tokenAnswer.accessToken,
    expiresAt: Date.now() + tokenAnswer.expiresIn * 1000,
    lifetime: tokenAnswer.expiresIn * 1000,
    user: tokenAnswer.user || current?.user,
  });
}

export function forget() {
  save(null);
}

// Another tab signed in, refreshed or signed out.
window.addEventListener("storage", (event) => {
  if (event.key !== STORE) return;
  current = load();
  schedule();
  for (const listener of listeners) listener(current);
});

function schedule() {
  clearTimeout(timer);
  if (!current) return;
  const early = Math.min(EARLY_MS, current.lifetime * 0.2);
  const delay = Math.max(current.expiresAt - early - Date.now(), 1000);
  timer = setTimeout(() => refresh(current.accessToken).catch(() => {}), delay);
}

async function withLock(work) {
  if (navigator.locks) return navigator.locks.request(LOCK, work);
  return work(); // not a secure context: no Web Locks, refresh unserialised
}

// A new access token. `stale` is the token the caller found wanting: if another tab replaced it
// meanwhile, that one is used without spending the refresh token again.
export async function refresh(stale) {
  return withLock(async () => {
    const latest = load();
    if (latest && latest.accessToken !== stale && latest.expiresAt > Date.now()) {
      current = latest;
      schedule();
      return latest.accessToken;
    }
    const response = await fetch("/api/auth/refresh-token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    if (response.status === 401) {
      forget();
      throw new Error("Your session has ended: please sign in again.");
    }
    if (!response.ok) throw new Error(`Could not refresh the session (${response.status}).`);
    accept(await response.json());
    return current.accessToken;
  });
}
