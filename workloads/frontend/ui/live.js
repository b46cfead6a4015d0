// Live data: the initial `/snapshot` fetch and the `/ws` WebSocket with reconnection
// (exponential backoff 1 s, 2 s, 4 s … 15 s with jitter), resumption with
// `?after=<last event_id>`, duplicate suppression by event id, and message dispatch.
//
// The socket offers the lean subprotocols (lean deltas, deflated when the browser can inflate
// raw deflate); `ws.protocol` says which the server agreed to, none meaning the original
// messages. A server that knows none of them answers without the header, which Chromium
// treats as a failed handshake: one immediate retry without subprotocols tells such a server
// from a down one, and the page then stays on the original protocol with it.
import { applyDelta, applyFull, emit, state } from './state.js';
import { compareEventIds, isUsableFrame } from './frame.js';
import { hideNotice, notice } from './notice.js';

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;
const DISCONNECTED = 'Disconnected. Reconnecting...';
const LEAN = 'sector.lean.v1';
const LEAN_DEFLATE = 'sector.lean.deflate.v1';

let socket = null;
let attempts = 0;
let reconnectTimer = 0;
let countdownTimer = 0;
let started = false;
// Cleared once a server opened a socket only without subprotocols (see the header).
let offerLean = true;
// The current attempt is the immediate retry without subprotocols.
let plainRetry = false;

function setConnection(value) {
  state.connection = value;
  emit('connection', value);
}

function alreadyApplied(id) {
  return id !== null && state.lastEventId !== null && compareEventIds(id, state.lastEventId) <= 0;
}

function markApplied(id) {
  if (id !== null && (state.lastEventId === null || compareEventIds(id, state.lastEventId) > 0)) {
    state.lastEventId = id;
  }
}

function eventIdOf(msg) {
  return typeof msg.event_id === 'string' && msg.event_id !== '' ? msg.event_id : null;
}

/**
 * A full frame replaces the current one. Frames older than (or equal to) what was already
 * applied are skipped unless they are a resync (the server says the client fell behind).
 */
function handleFull(snapshot, id, resync) {
  if (!isUsableFrame(snapshot)) return;
  if (!resync && state.frame && alreadyApplied(id)) return;
  if (applyFull(snapshot)) {
    if (id !== null && (resync || state.lastEventId === null || compareEventIds(id, state.lastEventId) > 0)) {
      state.lastEventId = id;
    }
  }
}

/**
 * Dispatches one server message (exported for tests through the debug hook); `lean`: it came
 * over a lean protocol.
 */
export function handleMessage(msg, lean = false) {
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return;
  const id = eventIdOf(msg);
  const type = msg.type;
  if (type === undefined || type === null || type === 'frame') {
    handleFull(msg, id, false);
  } else if (type === 'snapshot') {
    handleFull(msg.data, id, msg.resync === true);
  } else if (type === 'delta') {
    if (alreadyApplied(id)) return;
    if (applyDelta(msg, lean)) markApplied(id);
  } else if (type === 'run_end') {
    if (alreadyApplied(id)) return;
    markApplied(id);
    state.runEnded = true;
    emit('run-end', msg);
  }
}

async function loadSnapshot() {
  try {
    const res = await fetch('/snapshot', { cache: 'no-store' });
    if (!res.ok) return;
    const snap = await res.json();
    if (snap && typeof snap === 'object') handleFull(snap, eventIdOf(snap), false);
  } catch {
    // ignored (UI.md §1): the WebSocket delivers a frame as well
  }
}

function socketUrl() {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  let url = `${proto}//${window.location.host}/ws`;
  if (state.lastEventId) url += `?after=${encodeURIComponent(state.lastEventId)}`;
  return url;
}

/** Whether this browser can inflate raw deflate (DecompressionStream, 2023 in every engine). */
function canInflate() {
  try {
    new DecompressionStream('deflate-raw');
    return true;
  } catch {
    return false;
  }
}

/** The subprotocols to offer, most preferred first. */
export function subprotocols(lean, inflates) {
  if (!lean) return [];
  return inflates ? [LEAN_DEFLATE, LEAN] : [LEAN];
}

/** Whether a socket's agreed subprotocol is a lean one. */
export function isLean(protocol) {
  return protocol === LEAN || protocol === LEAN_DEFLATE;
}

/** The text of a binary message: raw-deflated JSON. */
export async function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

function clearTimers() {
  clearTimeout(reconnectTimer);
  clearInterval(countdownTimer);
  reconnectTimer = 0;
  countdownTimer = 0;
}

function connect() {
  clearTimers();
  if (socket) return;
  setConnection('connecting');
  const offered = subprotocols(offerLean, canInflate());
  let ws;
  try {
    ws = offered.length > 0 ? new WebSocket(socketUrl(), offered) : new WebSocket(socketUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  ws.binaryType = 'arraybuffer';
  socket = ws;
  let opened = false;
  let lean = false;
  // Binary messages are inflated asynchronously; this chain keeps them in order.
  let pending = Promise.resolve();
  let broken = false;
  const dispatch = (text) => {
    if (socket !== ws || broken) return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    handleMessage(msg, lean);
  };
  ws.addEventListener('open', () => {
    if (socket !== ws) return;
    opened = true;
    lean = isLean(ws.protocol);
    state.protocol = ws.protocol;
    if (plainRetry) offerLean = false;
    setConnection('live');
    hideNotice(DISCONNECTED);
  });
  ws.addEventListener('message', (ev) => {
    if (socket !== ws) return;
    attempts = 0;
    if (typeof ev.data === 'string') {
      dispatch(ev.data);
      return;
    }
    pending = pending.then(() => inflate(ev.data)).then(dispatch, () => {
      // A lean client that loses a message would drift: start over (resuming by event id).
      broken = true;
      if (socket === ws) ws.close();
    });
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    if (!opened && offered.length > 0) {
      plainRetry = true;
      offerLean = false;
      connect();
      return;
    }
    if (plainRetry && !opened) offerLean = true; // the server is down, not old
    plainRetry = false;
    notice(DISCONNECTED);
    scheduleReconnect();
  });
}

function scheduleReconnect() {
  clearTimers();
  if (navigator.onLine === false) {
    setConnection('offline'); // the `online` event reconnects
    return;
  }
  const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempts);
  attempts = Math.min(attempts + 1, 10);
  const delay = Math.min(MAX_DELAY_MS, Math.round(base * (0.8 + Math.random() * 0.4)));
  state.reconnectAt = Date.now() + delay;
  setConnection('reconnecting');
  reconnectTimer = setTimeout(connect, delay);
  countdownTimer = setInterval(() => emit('connection', state.connection), 1000);
}

/** Fetches `/snapshot`, then opens the WebSocket (WIRE.md §12 page-load order). */
export async function startLive() {
  if (started) return;
  started = true;
  window.addEventListener('online', () => {
    if (!socket) {
      attempts = 0;
      connect();
    }
  });
  window.addEventListener('offline', () => {
    if (!socket) {
      clearTimers();
      setConnection('offline');
    }
  });
  await loadSnapshot();
  connect();
}

/** Seconds until the next reconnection attempt (for the Status panel). */
export function reconnectSeconds() {
  return Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
}
