// REST calls with the session's access token; errors become `ApiError`s carrying the service's
// problem document.

import { refresh, session } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed (${status}).`);
    this.status = status;
    this.problem = problem;
  }
}

async function send(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function answer(response) {
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// An authenticated call; a 401 (token expired under us) is retried once with a fresh token.
export async function call(method, path, body) {
  const token = session()?.accessToken;
  let response = await send(method, path, body, token);
  if (response.status === 401 && token) {
    response = await send(method, path, body, await refresh(token));
  }
  return answer(response);
}

export async function anonymous(method, path, body) {
  return answer(await send(method, path, body));
}

export const get = (path) => call("GET", path);
export const post = (path, body = {}) => call("POST", path, body);
export const patch = (path, body) => call("PATCH", path, body);
export const del = (path, body) => call("DELETE", path, body);
