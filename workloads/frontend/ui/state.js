// The page's shared state and a tiny event bus. Frames are applied here (full frames and
// merged deltas), including new-run detection (UI.md §1).
import {
  deriveIndex, geometrySignature, isUsableFrame, mergeDelta, newEventLines, normalizeFrame,
} from './frame.js';
import { buildAdjacency } from './graph.js';
import { buildPalette } from './colors.js';

const listeners = new Map();

/** Subscribes to a bus event; returns an unsubscribe function. */
export function on(name, fn) {
  let set = listeners.get(name);
  if (!set) listeners.set(name, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** Calls every listener; a throwing listener is reported without stopping the others. */
export function emit(name, payload) {
  for (const fn of listeners.get(name) || []) {
    try {
      fn(payload);
    } catch (err) {
      setTimeout(() => {
        throw err;
      });
    }
  }
}

export const state = {
  // live data
  frame: null,
  index: null,
  adjacency: new Map(),
  palette: { colors: new Map(), names: new Map(), fallback: false },
  frameVersion: 0,
  geometryKey: '',
  lastTick: null,
  lastEventId: null,
  frameAt: 0, // performance.now() when the current tick arrived
  highlightAt: 0,
  travelTicks: new Map(), // fleet id → longest eta seen on this trip (for interpolation)
  runEnded: false,
  connection: 'connecting', // connecting | live | reconnecting | offline
  protocol: null, // the open socket's subprotocol ('' for none: the original messages)
  reconnectAt: 0,

  // player
  address: null,
  connectingAddress: null,
  faction: null,
  isAdmin: false,
  universeId: null,
  paused: null,
  spectator: false,
  openFactions: [],

  // interaction
  candidate: null,
  botsOnly: false,
  selection: { origin: null },
  orderFlash: null, // {target, at}
  hover: { systemId: null, fleet: null, x: 0, y: 0, inside: false },
  previewFaction: null, // from hovering the map (no faction yet)
  rowPreviewFaction: null, // from hovering a Factions panel row
  seedOverride: null,
};

/** Game stage: the player has a faction, or started a bots-only run from this page. */
export function inGameStage() {
  return Boolean(state.faction) || state.spectator;
}

export function factionName(id) {
  if (id === null || id === undefined) return '—';
  return state.palette.names.get(id) || String(id);
}

function isNewRun(tick, fullFrame) {
  if (state.frame === null) return false;
  if (typeof tick === 'number' && typeof state.lastTick === 'number' && tick < state.lastTick) return true;
  return fullFrame && state.runEnded;
}

function refreshDerived(geometryMaybeChanged) {
  const frame = state.frame;
  state.index = deriveIndex(frame);
  state.palette = buildPalette(frame);
  if (geometryMaybeChanged) {
    const key = geometrySignature(frame);
    if (key !== state.geometryKey) state.geometryKey = key;
  }
  // Interpolation needs each trip's length: remember the longest eta seen per fleet.
  const seen = new Set();
  for (const f of state.index.travelling) {
    seen.add(f.id);
    const prev = state.travelTicks.get(f.id) || 0;
    state.travelTicks.set(f.id, Math.max(prev, f.eta, 2));
  }
  for (const id of [...state.travelTicks.keys()]) if (!seen.has(id)) state.travelTicks.delete(id);
  state.frameVersion++;
}

/**
 * Replaces the current frame. Returns false for frames without systems (ignored).
 * Emits `frame` with {full: true, newRun}.
 */
export function applyFull(snapshot) {
  if (!isUsableFrame(snapshot)) return false;
  const frame = normalizeFrame(snapshot);
  const tick = typeof frame.tick === 'number' ? frame.tick : null;
  const newRun = isNewRun(tick, true);
  const prevTick = state.lastTick;
  const prevLanes = state.frame ? state.frame.lanes : null;
  state.frame = frame;
  state.runEnded = false;
  if (newRun) state.travelTicks.clear();
  if (prevLanes !== frame.lanes) state.adjacency = buildAdjacency(frame.lanes);
  if (tick !== null) state.lastTick = tick;
  if (tick !== prevTick || newRun) {
    state.frameAt = performance.now();
    if (frame.highlight_ids.length > 0) state.highlightAt = state.frameAt;
  }
  refreshDerived(true);
  emit('frame', { full: true, newRun, staticChanged: true });
  emit('log-seed', { lines: frame.events, tick, newRun });
  return true;
}

/**
 * Merges a delta (`lean`: from a lean protocol, see mergeDelta); deltas before any full frame
 * are dropped. Emits `frame` and `log`.
 */
export function applyDelta(delta, lean = false) {
  if (!state.frame) return false;
  const tick = typeof delta.tick === 'number' ? delta.tick : null;
  const newRun = isNewRun(tick, false);
  const prevEvents = state.frame.events;
  const result = mergeDelta(state.frame, delta, lean);
  if (newRun) state.travelTicks.clear();
  if (tick !== null) state.lastTick = tick;
  state.frameAt = performance.now();
  if (state.frame.highlight_ids.length > 0) state.highlightAt = state.frameAt;
  refreshDerived(result.geometryChanged);
  const lines = Array.isArray(delta.new_events)
    ? delta.new_events.filter((t) => typeof t === 'string')
    : newEventLines(prevEvents, state.frame.events);
  emit('frame', { full: false, newRun, staticChanged: result.staticChanged });
  if (newRun) emit('log-seed', { lines: state.frame.events, tick, newRun });
  else if (lines.length > 0) emit('log', { lines, tick });
  return true;
}
