// Unit tests of the UI's DOM-free modules (frame merge, event ids, lane graph, geometry,
// error messages): node --test workloads/frontend/e2e/unit.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  LEAN_EVENTS_KEPT, compareEventIds, deriveIndex, isUsableFrame, mergeDelta, newEventLines, normalizeFrame,
  scoreboardRows,
} from '../ui/frame.js';
import { buildAdjacency, reachableFrom, shortestPath } from '../ui/graph.js';
import { borderSegments, polygonArea, radialHull, voronoiCells } from '../ui/geometry.js';
import { buildPalette, safeColor } from '../ui/colors.js';
import { errorMessage } from '../ui/api.js';
import { MAX_ORDERS_PER_REQUEST, orderBatches } from '../ui/batches.js';

function world() {
  return normalizeFrame({
    tick: 4,
    tick_delay_ms: 300,
    generator_seed: 7,
    systems: [
      { id: 0, x: 0.1, y: 0.1, owner: 'F1', value: 3, kind: 'normal', heat: 0 },
      { id: 1, x: 0.9, y: 0.1, owner: null, value: 5, kind: 'relic', heat: 0 },
      { id: 2, x: 0.5, y: 0.9, owner: 'F2', value: 2, kind: 'forge', heat: 1 },
    ],
    lanes: [[0, 1], [1, 2]],
    fleets: [
      { id: 1, owner: 'F1', system_id: 0, strength: 10, enroute_from: null, enroute_to: null, eta: 0 },
      { id: 2, owner: 'F2', system_id: null, strength: 4, enroute_from: 2, enroute_to: 1, eta: 2 },
    ],
    events: ['a', 'b'],
    highlight_ids: [],
    factions: [{ id: 'F1', name: 'Empire', color: '#ff5555' }, { id: 'F2', name: 'Pirates', color: '#f1fa8c' }],
  });
}

test('usable frames need a non-empty systems list', () => {
  assert.equal(isUsableFrame({ systems: [] }), false);
  assert.equal(isUsableFrame({}), false);
  assert.equal(isUsableFrame(null), false);
  assert.equal(isUsableFrame(world()), true);
});

test('delta merge follows WIRE.md §5.2', () => {
  const f = world();
  const r = mergeDelta(f, {
    type: 'delta',
    tick: 5,
    tick_delay_ms: 300,
    changed_systems: [{ owner: 'F1', id: 1 }, { heat: 2.5, id: 2 }, { x: 0.2, y: 0.2, owner: null, value: 1, kind: 'normal', heat: 0, id: 3 }],
    removed_fleets: [2],
    changed_fleets: [{ id: 1, owner: 'F1', system_id: 0, strength: 9.9, enroute_from: null, enroute_to: null, eta: 0 },
      { id: 3, owner: 'F1', system_id: null, strength: 3, enroute_from: 0, enroute_to: 1, eta: 2 }],
    highlight_ids: [1],
    events: ['b', 'c'],
    factions: f.factions,
    generator_seed: null,
  });
  assert.equal(f.tick, 5);
  assert.equal(f.generator_seed, 7, 'a null generator_seed is ignored');
  assert.equal(f.systems[1].owner, 'F1');
  assert.equal(f.systems[1].kind, 'relic', 'unchanged fields survive a shallow merge');
  assert.equal(f.systems[2].heat, 2.5);
  assert.equal(f.systems.length, 4, 'unknown systems are appended');
  assert.deepEqual(f.fleets.map((x) => x.id), [1, 3]);
  assert.equal(f.fleets[0].strength, 9.9);
  assert.deepEqual(f.highlight_ids, [1]);
  assert.deepEqual(f.events, ['b', 'c']);
  assert.equal(r.staticChanged, true);
  assert.equal(r.geometryChanged, true);
  const r2 = mergeDelta(f, { tick: 6, changed_systems: [{ heat: 1, id: 0 }] });
  assert.equal(r2.staticChanged, false, 'heat alone does not touch territories');
});

test('lean deltas: absent fields are unchanged, fleets merge by field, new events append', () => {
  const f = world();
  const before = JSON.parse(JSON.stringify(f));
  const events = f.events;
  mergeDelta(f, { type: 'delta', tick: 5 }, true);
  assert.deepEqual({ ...f, tick: 4 }, before, 'a quiet tick changes only the tick');
  assert.equal(f.events, events);

  mergeDelta(f, {
    type: 'delta',
    tick: 6,
    changed_fleets: [{ id: 2, eta: 1 }, { id: 3, owner: 'F2', system_id: 2, strength: 1, enroute_from: null, enroute_to: null, eta: 0 }],
    new_events: ['c', 'd'],
  }, true);
  assert.deepEqual(f.fleets[1], { ...before.fleets[1], eta: 1 }, 'a known fleet keeps its other fields');
  assert.equal(f.fleets[2].owner, 'F2', 'a new fleet comes in full');
  assert.deepEqual(f.events, ['a', 'b', 'c', 'd']);
  assert.deepEqual(events, ['a', 'b'], 'the previous list is left as it was (the log diffs against it)');
  assert.deepEqual(f.highlight_ids, [], 'absent lists are unchanged');
  assert.equal(f.factions.length, 2);

  const many = Array.from({ length: LEAN_EVENTS_KEPT }, (_, i) => `n${i}`);
  mergeDelta(f, { type: 'delta', tick: 7, new_events: many }, true);
  assert.equal(f.events.length, LEAN_EVENTS_KEPT);
  assert.deepEqual(f.events, many, 'the list keeps its last 30');
  mergeDelta(f, { type: 'delta', tick: 8, new_events: ['x'], events: ['only'] }, true);
  assert.deepEqual(f.events, ['only'], '`events`, when sent, replaces the list');
});

test('the original merge ignores new_events for the list', () => {
  const f = world();
  mergeDelta(f, { type: 'delta', tick: 5, new_events: ['c'] });
  assert.deepEqual(f.events, ['a', 'b']);
});

test('derived index separates travelling and located fleets', () => {
  const idx = deriveIndex(world());
  assert.equal(idx.travelling.length, 1);
  assert.equal(idx.fleetsAt.get(0).length, 1);
  assert.equal(idx.ownerCounts.get('F1'), 1);
  assert.equal(idx.sysPos.get(2), 2);
});

test('event ids compare as (ms, seq) integer pairs', () => {
  assert.equal(compareEventIds('1700000000000-2', '1700000000000-10'), -1);
  assert.equal(compareEventIds('1700000000001-0', '1700000000000-99'), 1);
  assert.equal(compareEventIds('5-5', '5-5'), 0);
  assert.equal(compareEventIds(null, '1-0'), -1);
  assert.equal(compareEventIds('garbage', '1-0'), -1);
});

test('new event lines are found in a sliding window', () => {
  assert.deepEqual(newEventLines(['a', 'b', 'c'], ['b', 'c', 'd', 'e']), ['d', 'e']);
  assert.deepEqual(newEventLines(['a', 'b'], ['a', 'b']), []);
  assert.deepEqual(newEventLines([], ['x']), ['x']);
  assert.deepEqual(newEventLines(['a'], ['x', 'y']), ['x', 'y']);
});

test('lane graph: BFS shortest path and reachability', () => {
  const adj = buildAdjacency([[0, 1], [1, 2], [2, 3], [0, 4], [4, 3], [5, 6]]);
  assert.deepEqual(shortestPath(adj, 0, 3), [0, 4, 3]);
  assert.deepEqual(shortestPath(adj, 2, 2), [2]);
  assert.equal(shortestPath(adj, 0, 5), null);
  assert.deepEqual([...reachableFrom(adj, 5)].sort(), [5, 6]);
});

test('Voronoi cells tile the rectangle and label their neighbours', () => {
  const n = 400;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    xs[i] = rnd() * 1000;
    ys[i] = rnd() * 700;
  }
  const rect = { x0: -50, y0: -50, x1: 1050, y1: 750 };
  const cells = voronoiCells(xs, ys, rect);
  const total = cells.reduce((a, c) => a + polygonArea(c), 0);
  assert.ok(Math.abs(total - 1100 * 800) < 1, `cells cover the rectangle (area ${total})`);
  // Each labelled edge is shared: the neighbour's cell names this site back.
  for (let i = 0; i < n; i++) {
    for (const v of cells[i]) if (v.n >= 0) assert.ok(cells[v.n].some((w) => w.n === i), `edge ${i}|${v.n} is mutual`);
  }
  const owners = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'A' : i % 3 === 1 ? 'B' : null));
  const borders = borderSegments(cells, owners, xs, ys, 1.8);
  assert.ok(borders.get('A').length > 0 && borders.get('A').length % 4 === 0);
});

test('the radial hull encloses every system with its padding', () => {
  const xs = [100, 500, 900, 300, 700];
  const ys = [100, 600, 150, 400, 380];
  const radii = [5, 5, 5, 5, 5];
  const hull = radialHull(xs, ys, radii, 36);
  assert.ok(hull.length > 16);
  const inside = (px, py) => {
    let c = false;
    for (let i = 0, j = hull.length - 1; i < hull.length; j = i++) {
      const [xi, yi] = hull[i];
      const [xj, yj] = hull[j];
      if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
    }
    return c;
  };
  xs.forEach((x, i) => assert.ok(inside(x, ys[i]), `system ${i} inside the hull`));
});

test('palette: faction colours, grey for bad values, fallback when the list is empty', () => {
  const f = world();
  assert.equal(buildPalette(f).colors.get('F1'), '#ff5555');
  assert.equal(safeColor('red;background:url(x)', '#888888'), '#888888');
  f.factions = [];
  const p = buildPalette(f);
  assert.equal(p.fallback, true);
  assert.ok(p.colors.has('F1') && p.colors.has('F2'));
  assert.equal(p.names.get('F2'), 'F2');
});

test('error messages: detail text, readable 422 lists, status text, fallback', () => {
  assert.equal(errorMessage({ detail: 'faction already claimed' }, 'Conflict'), 'faction already claimed');
  assert.equal(errorMessage({ detail: [
    { type: 'int_parsing', loc: ['body', 'orders', 0, 'origin_id'], msg: 'Input should be a valid integer', input: 'x' },
    { type: 'missing', loc: ['body', 'orders', 0, 'faction'], msg: 'Field required', input: {} },
  ] }, 'Unprocessable Entity'), 'orders.0.origin_id: Input should be a valid integer; orders.0.faction: Field required');
  assert.equal(errorMessage({}, 'Forbidden'), 'Forbidden');
  assert.equal(errorMessage({}, ''), 'request failed');
});

test('scoreboard rows: systems, fleets and strength per faction, sorted by systems', () => {
  const f = world();
  f.factions.push({ id: 'F3', name: 'Idle', color: '#00ff00' });
  f.fleets.push({ id: 3, owner: 'F2', system_id: 2, strength: 1.5, enroute_from: null, enroute_to: null, eta: 0 });
  f.systems.push({ id: 3, x: 0.3, y: 0.3, owner: 'F2', value: 1 });
  let rows = scoreboardRows(f);
  assert.deepEqual(rows.map((r) => [r.id, r.name, r.systems, r.fleets, r.strength]), [
    ['F2', 'Pirates', 2, 2, 5],
    ['F1', 'Empire', 1, 1, 10],
    ['F3', 'Idle', 0, 0, 0],
  ]);
  assert.equal(rows[0].color, '#f1fa8c');
  // Updated as deltas arrive: F1 takes both of F2's systems and loses its fleet.
  mergeDelta(f, { tick: 5, changed_systems: [{ id: 2, owner: 'F1' }, { id: 3, owner: 'F1' }], removed_fleets: [1] });
  rows = scoreboardRows(f);
  assert.deepEqual(rows.map((r) => [r.id, r.systems, r.fleets]), [['F1', 3, 0], ['F2', 0, 2], ['F3', 0, 0]]);
  // Owners missing from the faction list still get a row named by their id; ties sort by strength then id.
  rows = scoreboardRows(normalizeFrame({ systems: [{ id: 0, owner: 'Z' }, { id: 1, owner: 'A' }], fleets: [{ id: 1, owner: 'Z', strength: 2 }] }));
  assert.deepEqual(rows.map((r) => [r.id, r.name, r.color]), [['Z', 'Z', null], ['A', 'A', null]]);
  assert.deepEqual(scoreboardRows(null), []);
});

test('a rally larger than the API cap goes out in batches, in order, none over the cap', () => {
  const orders = Array.from({ length: 2 * MAX_ORDERS_PER_REQUEST + 1 }, (_, i) => ({ fleet_id: i }));
  const batches = orderBatches(orders);
  assert.deepEqual(batches.map((b) => b.length), [MAX_ORDERS_PER_REQUEST, MAX_ORDERS_PER_REQUEST, 1]);
  assert.deepEqual(batches.flat(), orders);
  assert.deepEqual(orderBatches([]), []);
  assert.deepEqual(orderBatches([1, 2, 3], 2), [[1, 2], [3]]);
});
