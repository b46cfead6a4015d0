// The API client (UI.md §1, WIRE.md §12) and the session token.
//
// Token storage (fixes A11): the JWT lives in memory, mirrored to sessionStorage under
// `sector.jwt` so a reload in the same tab stays signed in. sessionStorage is per tab and is
// cleared when the tab closes; the token is never written to localStorage, and a token left
// there by the reference UI is deleted on load.
import { local, session } from './storage.js';

const TOKEN_KEY = 'sector.jwt';
let token = session.get(TOKEN_KEY) || null;
local.set(TOKEN_KEY, null);

export function getToken() {
  return token;
}

export function setToken(value) {
  token = typeof value === 'string' && value !== '' ? value : null;
  session.set(TOKEN_KEY, token);
}

export function clearToken() {
  setToken(null);
}

/** `{page origin}/api`, or the `?api=<url>` override. */
export function apiBase() {
  const override = new URLSearchParams(window.location.search).get('api');
  const base = override && override.trim() !== '' ? override.trim() : `${window.location.origin}/api`;
  return base.replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * A readable message for a failed call: the `detail` text; for validation errors (422,
 * `detail` is a list) the items' `msg` fields joined, each prefixed with the field path;
 * else the HTTP status text; else "request failed".
 */
export function errorMessage(body, statusText) {
  const detail = body && typeof body === 'object' ? body.detail : undefined;
  if (typeof detail === 'string' && detail !== '') return detail;
  if (Array.isArray(detail) && detail.length > 0) {
    const parts = detail.map((item) => {
      if (!item || typeof item !== 'object') return String(item);
      const msg = typeof item.msg === 'string' ? item.msg : 'invalid value';
      const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body' && p !== 'query') : [];
      return loc.length > 0 ? `${loc.join('.')}: ${msg}` : msg;
    });
    return parts.join('; ');
  }
  if (detail && typeof detail === 'object' && typeof detail.msg === 'string') return detail.msg;
  if (typeof statusText === 'string' && statusText !== '') return statusText;
  return 'request failed';
}

/** Calls the API. Every call sends `Content-Type: application/json` and the bearer token. */
export async function call(path, { method = 'GET', body, query } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let url = apiBase() + path;
  if (query) {
    const qs = new URLSearchParams(query).toString();
    if (qs) url += `?${qs}`;
  }
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('Network error: the server is unreachable.', 0);
  }
  let data = {};
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : {};
  } catch {
    data = {};
  }
  if (data === null || typeof data !== 'object') data = {};
  if (!res.ok) throw new ApiError(errorMessage(data, res.statusText), res.status);
  return data;
}

export const api = {
  nonce: (address) => call('/auth/nonce', { method: 'POST', body: { address } }),
  verify: (address, signature) => call('/auth/verify', { method: 'POST', body: { address, signature } }),
  logout: () => call('/auth/logout', { method: 'POST' }),
  me: () => call('/me'),
  factions: () => call('/factions'),
  claim: (faction) => call('/factions/claim', { method: 'POST', body: { faction } }),
  orders: (orders) => call('/orders', { method: 'POST', body: { orders } }),
  restart: (seed) => call('/admin/restart', { method: 'POST', query: seed ? { seed } : undefined }),
  botsOnly: () => call('/admin/bots-only', { method: 'POST' }),
  getPause: () => call('/admin/pause'),
  setPause: (paused) => call('/admin/pause', { method: 'POST', query: { paused: paused ? 'true' : 'false' } }),
  leaderboard: () => call('/leaderboard'),
};

/** The message of any thrown value (API errors, wallet errors, plain errors). */
export function describeError(err) {
  if (err && typeof err === 'object') {
    if (typeof err.message === 'string' && err.message !== '') return err.message;
    if (err.error && typeof err.error.message === 'string') return err.error.message;
  }
  if (typeof err === 'string' && err !== '') return err;
  return 'request failed';
}
