// Live data: the initial `/snapshot` fetch and the `/ws` WebSocket with reconnection
// (exponential backoff 1 s, 2 s, 4 s … 15 s with jitter), resumption with
// `?after=<last event_id>`, duplicate suppression by event id, and message dispatch.
import { applyDelta, applyFull, emit, state } from './state.js';
import { compareEventIds, isUsableFrame } from './frame.js';
import { hideNotice, notice } from './notice.js';

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 15000;
const DISCONNECTED = 'Disconnected. Reconnecting...';

let socket = null;
let attempts = 0;
let reconnectTimer = 0;
let countdownTimer = 0;
let started = false;

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

/** Dispatches one server message (exported for tests through the debug hook). */
export function handleMessage(msg) {
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return;
  const id = eventIdOf(msg);
  const type = msg.type;
  if (type === undefined || type === null || type === 'frame') {
    handleFull(msg, id, false);
  } else if (type === 'snapshot') {
    handleFull(msg.data, id, msg.resync === true);
  } else if (type === 'delta') {
    if (alreadyApplied(id)) return;
    if (applyDelta(msg)) markApplied(id);
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
  let ws;
  try {
    ws = new WebSocket(socketUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.addEventListener('open', () => {
    if (socket !== ws) return;
    setConnection('live');
    hideNotice(DISCONNECTED);
  });
  ws.addEventListener('message', (ev) => {
    if (socket !== ws) return;
    attempts = 0;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    handleMessage(msg);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
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
