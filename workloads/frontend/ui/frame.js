// Frame logic without any DOM access (so node tests can import it): full-frame checks, the
// delta merge of WIRE.md §5.2, derived indexes, event-id ordering and new-event detection.

/** A frame is usable only when `systems` is a non-empty array (UI.md §1). */
export function isUsableFrame(obj) {
  return obj !== null && typeof obj === 'object' && Array.isArray(obj.systems) && obj.systems.length > 0;
}

/** Normalises a full frame in place: missing arrays become empty ones, bad lanes are dropped. */
export function normalizeFrame(frame) {
  frame.systems = frame.systems.filter((s) => s && typeof s === 'object' && s.id !== undefined && s.id !== null);
  frame.fleets = Array.isArray(frame.fleets) ? frame.fleets.filter((f) => f && typeof f === 'object') : [];
  frame.lanes = Array.isArray(frame.lanes)
    ? frame.lanes.filter((l) => Array.isArray(l) && l.length >= 2 && l[0] !== l[1])
    : [];
  frame.factions = Array.isArray(frame.factions) ? frame.factions.filter((f) => f && typeof f === 'object') : [];
  frame.events = Array.isArray(frame.events) ? frame.events : [];
  frame.highlight_ids = Array.isArray(frame.highlight_ids) ? frame.highlight_ids : [];
  return frame;
}

/** Event texts a lean client keeps after appending a delta's `new_events` (the server's window). */
export const LEAN_EVENTS_KEPT = 30;

const STATIC_SYSTEM_FIELDS = ['owner', 'x', 'y', 'value'];
const GEOMETRY_SYSTEM_FIELDS = ['x', 'y', 'value'];

/**
 * Merges a delta into `frame` (mutated) following the client merge rule of WIRE.md §5.2:
 * changed systems are shallow-merged by id (appended if unknown), removed fleets dropped,
 * changed fleets replaced/merged by id (appended if new), and tick, tick_delay_ms,
 * generator_seed (if present and not null), highlight_ids, events and factions replaced.
 * `lean`: the delta came over a lean protocol (sector.lean.v1), where any absent field is
 * unchanged, a known fleet lists only its changed fields, and without `events` the delta's
 * `new_events` are appended to the list, which keeps its last LEAN_EVENTS_KEPT (the server
 * sends `events` whenever that would not give the list exactly).
 * Returns what changed so the renderer knows which cached layers to rebuild.
 */
export function mergeDelta(frame, delta, lean = false) {
  const result = { staticChanged: false, geometryChanged: false };
  const changedSystems = Array.isArray(delta.changed_systems) ? delta.changed_systems : [];
  if (changedSystems.length > 0) {
    const byId = new Map();
    frame.systems.forEach((s) => byId.set(s.id, s));
    for (const cs of changedSystems) {
      if (!cs || typeof cs !== 'object' || cs.id === undefined || cs.id === null) continue;
      const existing = byId.get(cs.id);
      if (existing) {
        Object.assign(existing, cs);
      } else {
        const added = { ...cs };
        frame.systems.push(added);
        byId.set(added.id, added);
        result.geometryChanged = true;
        result.staticChanged = true;
      }
      if (STATIC_SYSTEM_FIELDS.some((k) => k in cs)) result.staticChanged = true;
      if (GEOMETRY_SYSTEM_FIELDS.some((k) => k in cs)) result.geometryChanged = true;
    }
  }
  if (Array.isArray(delta.removed_fleets) && delta.removed_fleets.length > 0) {
    const gone = new Set(delta.removed_fleets);
    frame.fleets = frame.fleets.filter((f) => !gone.has(f.id));
  }
  if (Array.isArray(delta.changed_fleets) && delta.changed_fleets.length > 0) {
    const byId = new Map();
    frame.fleets.forEach((f) => byId.set(f.id, f));
    for (const cf of delta.changed_fleets) {
      if (!cf || typeof cf !== 'object' || cf.id === undefined || cf.id === null) continue;
      const existing = byId.get(cf.id);
      if (existing) {
        Object.assign(existing, cf);
      } else {
        const added = { ...cf };
        frame.fleets.push(added);
        byId.set(added.id, added);
      }
    }
  }
  if (delta.tick !== undefined) frame.tick = delta.tick;
  if (delta.tick_delay_ms !== undefined) frame.tick_delay_ms = delta.tick_delay_ms;
  if (delta.generator_seed !== undefined && delta.generator_seed !== null) frame.generator_seed = delta.generator_seed;
  if (Array.isArray(delta.highlight_ids)) frame.highlight_ids = delta.highlight_ids;
  if (Array.isArray(delta.events)) {
    frame.events = delta.events;
  } else if (lean && Array.isArray(delta.new_events) && delta.new_events.length > 0) {
    // A new array: callers keep the previous one to tell which lines are new.
    frame.events = frame.events.concat(delta.new_events).slice(-LEAN_EVENTS_KEPT);
  }
  if (Array.isArray(delta.factions)) {
    const before = factionSignature(frame.factions);
    frame.factions = delta.factions;
    if (factionSignature(frame.factions) !== before) result.staticChanged = true;
  }
  return result;
}

function factionSignature(factions) {
  return (factions || []).map((f) => `${f.id}:${f.color}`).join(',');
}

/** An idle fleet (GAME_RULES.md §0): eta 0, located at a system, strength > 0. */
export function isIdle(fleet) {
  return (fleet.eta || 0) === 0 && fleet.system_id !== null && fleet.system_id !== undefined && fleet.strength > 0;
}

/** A travelling fleet: `enroute_to` set and eta > 0 (UI.md §2). */
export function isTravelling(fleet) {
  return fleet.enroute_to !== null && fleet.enroute_to !== undefined && (fleet.eta || 0) > 0;
}

/**
 * Indexes of a frame used by rendering, hit testing and orders.
 * - sysById: id → system; sysPos: id → list position
 * - fleetsAt: system id → fleets located there and not en route (drawn as dots)
 * - travelling: fleets en route
 * - ownerCounts: owner → number of systems
 */
export function deriveIndex(frame) {
  const sysById = new Map();
  const sysPos = new Map();
  const ownerCounts = new Map();
  frame.systems.forEach((s, i) => {
    sysById.set(s.id, s);
    sysPos.set(s.id, i);
    if (s.owner !== null && s.owner !== undefined && s.owner !== '') {
      ownerCounts.set(s.owner, (ownerCounts.get(s.owner) || 0) + 1);
    }
  });
  const fleetsAt = new Map();
  const travelling = [];
  for (const f of frame.fleets) {
    if (isTravelling(f)) {
      travelling.push(f);
    } else if (f.system_id !== null && f.system_id !== undefined) {
      let list = fleetsAt.get(f.system_id);
      if (!list) fleetsAt.set(f.system_id, (list = []));
      list.push(f);
    }
  }
  const factionById = new Map();
  for (const f of frame.factions) factionById.set(f.id, f);
  return { sysById, sysPos, fleetsAt, travelling, ownerCounts, factionById };
}

/** A cheap signature of everything the map geometry depends on (positions, sizes, lanes). */
export function geometrySignature(frame) {
  let h = 2166136261 >>> 0;
  const mix = (v) => {
    h = Math.imul(h ^ (v >>> 0), 16777619) >>> 0;
  };
  for (const s of frame.systems) {
    mix(Number(s.id) | 0);
    mix(Math.round((Number(s.x) || 0) * 1e7));
    mix(Math.round((Number(s.y) || 0) * 1e7));
    mix(Number(s.value) | 0);
  }
  for (const l of frame.lanes) {
    mix(Number(l[0]) | 0);
    mix(Number(l[1]) | 0);
  }
  return `${frame.systems.length}:${frame.lanes.length}:${h}`;
}

/** Parses a stream id "ms-seq" into a pair of integers, or null. */
export function parseEventId(id) {
  if (typeof id !== 'string') return null;
  const m = /^(\d+)-(\d+)$/.exec(id.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2])];
}

/** Orders event ids as (ms, seq) pairs; unparseable ids sort first. Returns -1, 0 or 1. */
export function compareEventIds(a, b) {
  const pa = parseEventId(a);
  const pb = parseEventId(b);
  if (!pa && !pb) return 0;
  if (!pa) return -1;
  if (!pb) return 1;
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
  return 0;
}

/**
 * Fallback for deltas without `new_events`: the lines of `next` (a sliding last-30 window)
 * that were not in `prev`. Finds the longest suffix of `prev` that is a prefix of `next`.
 */
export function newEventLines(prev, next) {
  if (!Array.isArray(next) || next.length === 0) return [];
  if (!Array.isArray(prev) || prev.length === 0) return next.slice();
  for (let start = 0; start < prev.length; start++) {
    const k = prev.length - start;
    if (k > next.length) continue;
    let same = true;
    for (let i = 0; i < k; i++) {
      if (prev[start + i] !== next[i]) {
        same = false;
        break;
      }
    }
    if (same) return next.slice(k);
  }
  return next.slice();
}

/**
 * The faction scoreboard of a frame: one row per faction listed in `frame.factions` plus any
 * other owner of a system or a fleet, as {id, name, color, systems, fleets, strength}
 * (systems owned, fleets owned, their total strength rounded down), sorted by systems, then
 * strength, then fleets (all descending), then id.
 */
export function scoreboardRows(frame) {
  const rows = new Map();
  const row = (id) => {
    let r = rows.get(id);
    if (!r) {
      r = { id, name: String(id), color: null, systems: 0, fleets: 0, strength: 0 };
      rows.set(id, r);
    }
    return r;
  };
  const owned = (v) => v !== null && v !== undefined && v !== '';
  for (const f of (frame && Array.isArray(frame.factions)) ? frame.factions : []) {
    if (!f || typeof f !== 'object' || !owned(f.id)) continue;
    const r = row(f.id);
    if (typeof f.name === 'string' && f.name !== '') r.name = f.name;
    if (typeof f.color === 'string') r.color = f.color;
  }
  for (const s of (frame && Array.isArray(frame.systems)) ? frame.systems : []) {
    if (s && owned(s.owner)) row(s.owner).systems++;
  }
  for (const fl of (frame && Array.isArray(frame.fleets)) ? frame.fleets : []) {
    if (!fl || !owned(fl.owner)) continue;
    const r = row(fl.owner);
    r.fleets++;
    const strength = Number(fl.strength);
    if (Number.isFinite(strength) && strength > 0) r.strength += strength;
  }
  const out = [...rows.values()];
  for (const r of out) r.strength = Math.floor(r.strength + 1e-9);
  return out.sort((a, b) => b.systems - a.systems || b.strength - a.strength || b.fleets - a.fleets
    || String(a.id).localeCompare(String(b.id)));
}
